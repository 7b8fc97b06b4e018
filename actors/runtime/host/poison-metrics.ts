import { Counter, type Registry } from 'prom-client'

/**
 * The actor host's counters of isolated input (registered with the other host metrics in
 * `telemetry/metrics.ts`): signals sent to the dead-letter stream, and pod states that could not
 * be read and were moved aside.
 */
export function createPoisonMetrics(registry: Registry) {
  const registers = [registry]
  return {
    deadLettered: new Counter({
      name: 'lunettes_signals_deadlettered_total',
      help: 'Signals isolated from their batch and written to the dead-letter stream, by reason (fold, persist, max-deliver).',
      labelNames: ['reason'],
      registers,
    }),
    podStateCorrupt: new Counter({
      name: 'lunettes_pod_state_corrupt_total',
      help: 'Pod states moved aside (kept under pod-corrupt:<uid>) because they could not be decoded (decode) or their own alarm could not be folded or stored (alarm); the pod restarts from an empty state.',
      labelNames: ['reason'],
      registers,
    }),
  }
}
