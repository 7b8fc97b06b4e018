import * as v from 'valibot'
import { PartitionMessage } from '../../../protocol/envelope.ts'
import { compileFastPath, REJECTED } from '../../../protocol/schema-fast-path.ts'
import type { ActorMetrics } from '../../telemetry/metrics.ts'
import type { BusMessage } from '../bus/bus.ts'
import { localValue } from '../bus/embedded-local.ts'
import type { BatchResult } from './partition-worker-types.ts'

const dec = new TextDecoder()

/** The schema's success path without valibot's bookkeeping; a miss runs the full schema. */
const fastMessage = compileFastPath(PartitionMessage)

/** Structured logger (pino-compatible subset). */
export interface Log {
  debug?(obj: object, msg: string): void
  info(obj: object, msg: string): void
  warn(obj: object, msg: string): void
  error(obj: object, msg: string): void
}

/**
 * A partition message parsed with its schema; an invalid one is logged, counted and null. A
 * message the embedded bus delivers with its publisher's object (`LOCAL_VALUE`: a replay in this
 * process) is checked on that object, without the JSON round trip; if it does not pass, the bytes
 * decide as for any other message.
 */
export function decodeMessage(
  msg: BusMessage,
  log: Log,
  metrics: ActorMetrics | undefined,
): PartitionMessage | null {
  const local = localValue(msg)
  if (local !== undefined) {
    const fast = fastMessage(local)
    if (fast !== REJECTED) return fast as PartitionMessage
  }
  try {
    const raw: unknown = JSON.parse(dec.decode(msg.data))
    const fast = fastMessage(raw)
    if (fast !== REJECTED) return fast as PartitionMessage
    const parsed = v.safeParse(PartitionMessage, raw)
    if (parsed.success) return parsed.output
    log.warn(
      { subject: msg.subject, seq: msg.seq, issue: parsed.issues[0].message },
      'invalid partition message dropped',
    )
  } catch (err: unknown) {
    log.warn({ subject: msg.subject, seq: msg.seq, err }, 'undecodable partition message dropped')
  }
  metrics?.signals.inc({ source: 'unknown', outcome: 'invalid' })
  return null
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
