import * as v from 'valibot'
import { PartitionMessage, SignalEnvelope } from '../../../protocol/envelope.ts'
import { SignalBatchEnvelope } from '../../../protocol/envelope-batch.ts'
import { compileFastPath, REJECTED } from '../../../protocol/schema-fast-path.ts'
import type { ActorMetrics } from '../../telemetry/metrics.ts'
import type { BusMessage } from '../bus/bus.ts'
import { localValue } from '../bus/embedded-local.ts'
import type { Log } from './host-messages.ts'

const dec = new TextDecoder()

/** The schemas' success paths without valibot's bookkeeping; a miss runs the full schema. */
const fastMessage = compileFastPath(PartitionMessage)
const fastSignal = compileFastPath(SignalEnvelope)
const fastBatch = compileFastPath(SignalBatchEnvelope)

function check<T>(
  schema: v.GenericSchema<unknown, T>,
  fast: (x: unknown) => unknown,
  raw: unknown,
): { ok: true; value: T } | { ok: false; issue: string } {
  const quick = fast(raw)
  if (quick !== REJECTED) return { ok: true, value: quick as T }
  const parsed = v.safeParse(schema, raw)
  return parsed.success
    ? { ok: true, value: parsed.output }
    : { ok: false, issue: parsed.issues[0].message }
}

function invalid(metrics: ActorMetrics | undefined, n = 1): void {
  metrics?.signals.inc({ source: 'unknown', outcome: 'invalid' }, n)
}

/** What a delivery holds. */
export interface DeliveryContent {
  readonly messages: PartitionMessage[]
  /** For a `batch` message: each message's index among the batch's elements. */
  readonly parts: number[] | undefined
}

/**
 * The partition messages a delivery holds, each checked with its schema: one for a single
 * message, the valid elements in order for a `batch` (a bad element is counted as invalid and
 * dropped alone; one log line per delivery names the first). Null when nothing in it is usable
 * (undecodable JSON, an invalid message or batch shell): logged and counted. A message the
 * embedded bus delivers with its publisher's object (`LOCAL_VALUE`: a replay in this process) is
 * checked on that object, without the JSON round trip; if it does not pass, the bytes decide as
 * for any other message.
 */
export function decodeDelivery(
  msg: BusMessage,
  log: Log,
  metrics: ActorMetrics | undefined,
): DeliveryContent | null {
  const local = localValue(msg)
  if (local !== undefined) {
    const fast = fastMessage(local)
    if (fast !== REJECTED) return { messages: [fast as PartitionMessage], parts: undefined }
  }
  let raw: unknown
  try {
    raw = JSON.parse(dec.decode(msg.data))
  } catch (err: unknown) {
    log.warn({ subject: msg.subject, seq: msg.seq, err }, 'undecodable partition message dropped')
    invalid(metrics)
    return null
  }
  const isBatch =
    typeof raw === 'object' && raw !== null && (raw as { kind?: unknown }).kind === 'batch'
  if (!isBatch) {
    const one = check(PartitionMessage, fastMessage, raw)
    if (one.ok) return { messages: [one.value], parts: undefined }
    log.warn(
      { subject: msg.subject, seq: msg.seq, issue: one.issue },
      'invalid partition message dropped',
    )
    invalid(metrics)
    return null
  }
  const shell = check(SignalBatchEnvelope, fastBatch, raw)
  if (!shell.ok) {
    log.warn(
      { subject: msg.subject, seq: msg.seq, issue: shell.issue },
      'invalid signal batch dropped',
    )
    invalid(metrics)
    return null
  }
  const out: PartitionMessage[] = []
  const parts: number[] = []
  let bad = 0
  let first: { index: number; issue: string } | undefined
  for (const [index, element] of shell.value.messages.entries()) {
    const one = check(SignalEnvelope, fastSignal, element)
    if (one.ok) {
      out.push(one.value)
      parts.push(index)
    } else {
      bad++
      first ??= { index, issue: one.issue }
    }
  }
  if (first) {
    log.warn(
      {
        subject: msg.subject,
        seq: msg.seq,
        invalid: bad,
        firstIndex: first.index,
        issue: first.issue,
      },
      'invalid signals of a batch dropped',
    )
    invalid(metrics, bad)
  }
  return { messages: out, parts }
}
