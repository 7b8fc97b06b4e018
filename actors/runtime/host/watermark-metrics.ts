import { Gauge, type Registry } from 'prom-client'

/** Sources labelled one by one; any further source is counted under `source="other"`. */
const MAX_LABELLED = 32

/**
 * The actor host's per-source watermark gauges (registered with the other host metrics in
 * `telemetry/metrics.ts`): how far behind its send time each source's watermark was when it was
 * last seen, and whether the source is catching up (its watermark holds alarms). Labels are
 * bounded: the first 32 sources by name, then `other`.
 */
export function createWatermarkMetrics(registry: Registry) {
  const registers = [registry]
  const lag = new Gauge({
    name: 'lunettes_source_watermark_lag_seconds',
    help: 'How far behind its send time a source (an API server posting to the webhook, a collector) delivered records, as of its last watermark; above LUNETTES_WATERMARK_GRACE the source is catching up.',
    labelNames: ['source'],
    registers,
  })
  const catching = new Gauge({
    name: 'lunettes_source_catching_up',
    help: 'Whether a source is catching up (1: its partitions fire alarms on its watermark less LUNETTES_WATERMARK_GRACE, not on the wall clock).',
    labelNames: ['source'],
    registers,
  })
  const labelled = new Set<string>()
  const labelOf = (source: string): string => {
    if (labelled.has(source)) return source
    if (labelled.size >= MAX_LABELLED) return 'other'
    labelled.add(source)
    return source
  }
  return {
    sourceWatermark(source: string, lagSeconds: number, catchingUp: boolean): void {
      const label = { source: labelOf(source) }
      lag.set(label, Math.max(0, lagSeconds))
      catching.set(label, catchingUp ? 1 : 0)
    },
  }
}

export type WatermarkMetrics = ReturnType<typeof createWatermarkMetrics>
