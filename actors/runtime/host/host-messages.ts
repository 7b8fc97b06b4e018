import type { PartitionMessage } from '../../../protocol/envelope.ts'
import type { ActorMetrics } from '../../telemetry/metrics.ts'
import type { BusMessage } from '../bus/bus.ts'
import type { BatchResult } from './partition-worker-types.ts'

/** Structured logger (pino-compatible subset). */
export interface Log {
  debug?(obj: object, msg: string): void
  info(obj: object, msg: string): void
  warn(obj: object, msg: string): void
  error(obj: object, msg: string): void
}

/** Naks a message; if the bus is down (nak throws) the ack wait brings it back anyway. */
export function handBack(msg: BusMessage, delayMs: number): void {
  try {
    msg.nak(delayMs)
  } catch {}
}

/** Counts a processed batch: its signals by outcome, and the metric effects `decide` asked for. */
export function countBatch(
  m: ActorMetrics,
  decoded: readonly PartitionMessage[],
  result: BatchResult,
): void {
  for (const { effect } of result.effects) if (effect.type === 'metric') m.observe(effect)
  for (const d of decoded) {
    if (d.kind === 'signal') m.signals.inc({ source: d.signal.source, outcome: 'applied' })
  }
  if (result.duplicates) m.signals.inc({ source: 'any', outcome: 'duplicate' }, result.duplicates)
  if (result.held) m.signals.inc({ source: 'any', outcome: 'held' }, result.held)
}
