import * as v from 'valibot'
import { type SignalMessage, signalEnvelopeJson } from './envelope.ts'
import { hex128 } from './hash.ts'
import type { PodSignal } from './pod-signal.ts'
import { partitionOf, signalSubject } from './subjects.ts'

/**
 * Several live signals of one partition in one bus message, in order: one publish, one stored
 * message and one acknowledgement for a webhook batch's share of a partition instead of one per
 * signal. `messages` are single `SignalEnvelope`s, each checked on its own by the host: a bad one
 * is counted and dropped alone, a poison one dead-lettered alone (as the single message it is).
 */
export const SignalBatchEnvelope = v.object({
  v: v.literal(1),
  kind: v.literal('batch'),
  messages: v.array(v.unknown()),
})
export type SignalBatchEnvelope = v.InferOutput<typeof SignalBatchEnvelope>

/** Data bytes of one batch message at most (well under NATS' default 1 MiB `max_payload`). */
export const DEFAULT_BATCH_BYTES = 64 * 1024

/**
 * Signals in one batch message at most. A webhook batch of 400 records gives a partition a few
 * signals; the cap keeps one message's work (and what its redelivery repeats) small.
 */
export const MAX_BATCH_SIGNALS = 100

const encoder = new TextEncoder()
const OPEN = '{"v":1,"kind":"batch","messages":['

// biome-ignore lint/suspicious/noControlCharactersInRegex: any character past ASCII is the test
const NOT_ASCII = /[^\u0000-\u007f]/

/** UTF-8 bytes of `text`: its length when it is ASCII (most signals), else encoded. */
function utf8Length(text: string): number {
  return NOT_ASCII.test(text) ? encoder.encode(text).byteLength : text.length
}

/** Options of {@link batchMessages}. */
export interface BatchOptions {
  /** Data bytes a batch message may hold (default {@link DEFAULT_BATCH_BYTES}). */
  readonly maxBytes?: number
  readonly subjectOf?: (p: number) => string
}

function message(subject: string, group: readonly PodSignal[], jsons: string[]): SignalMessage {
  const [only] = group
  // One signal: the single envelope, deduplicated by the signal id as before.
  if (group.length === 1 && only) {
    return { subject, data: encoder.encode(jsons[0] ?? signalEnvelopeJson(only)), msgId: only.id }
  }
  const ids = group.map((s) => s.id).join('\n')
  return {
    subject,
    data: encoder.encode(`${OPEN}${jsons.join(',')}]}`),
    // The same signals in the same order (a re-sent webhook batch) give the same id: stored once.
    msgId: `batch:${hex128(ids)}:${group.length}`,
  }
}

/**
 * Wraps live signals for `lunettes.signals.<p>` as `signalMessages` does (partition by
 * `namespace/name`, the order of each partition's signals kept), but one message per partition
 * and up to `maxBytes` of data and {@link MAX_BATCH_SIGNALS} signals: a `batch` message, or the
 * single `signal` envelope for a lone signal. A signal too big to share a message goes alone.
 */
export function batchMessages(
  signals: readonly PodSignal[],
  partitions: number,
  opts: BatchOptions = {},
): SignalMessage[] {
  const maxBytes = opts.maxBytes ?? DEFAULT_BATCH_BYTES
  const subjectOf = opts.subjectOf ?? signalSubject
  const byPartition = new Map<number, PodSignal[]>()
  for (const s of signals) {
    const p = partitionOf(s.pod.namespace, s.pod.name, partitions)
    const list = byPartition.get(p)
    if (list) list.push(s)
    else byPartition.set(p, [s])
  }
  const out: SignalMessage[] = []
  for (const [p, list] of byPartition) {
    const subject = subjectOf(p)
    let group: PodSignal[] = []
    let jsons: string[] = []
    let bytes = OPEN.length + 2
    const flush = () => {
      if (group.length > 0) out.push(message(subject, group, jsons))
      group = []
      jsons = []
      bytes = OPEN.length + 2
    }
    for (const s of list) {
      // Its single envelope (remembered: the gateway already sized it).
      const json = signalEnvelopeJson(s)
      const size = utf8Length(json) + 1
      if (group.length >= MAX_BATCH_SIGNALS || (group.length > 0 && bytes + size > maxBytes)) {
        flush()
      }
      group.push(s)
      jsons.push(json)
      bytes += size
    }
    flush()
  }
  return out
}
