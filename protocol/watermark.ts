import type { SignalMessage } from './envelope.ts'
import { fnv1a32 } from './hash.ts'
import { signalSubject } from './subjects.ts'
import { parseTime } from './time.ts'

/** Longest timestamp text looked at (RFC 3339 with µs and an offset is 32 characters). */
const MAX_STAMP_CHARS = 40

/**
 * A valid source id (see `SOURCE_ID`) made of `prefix` and free text (a certificate name, an
 * address, a file path): other characters become `_`, and an id longer than 64 characters is cut
 * and ends in a hash of the whole text, so two long names stay apart.
 */
export function sourceId(prefix: string, text: string): string {
  const id = `${prefix}${text}`.replace(/[^A-Za-z0-9._:@/-]/g, '_')
  if (id.length === 0) return 'unknown'
  if (id.length <= 64) return id
  return `${id.slice(0, 55)}~${fnv1a32(id).toString(16).padStart(8, '0')}`
}

/** The record time of an audit record (`stageTimestamp`, else `timestamp`), epoch µs. */
export function auditRecordTime(record: unknown): number | undefined {
  if (typeof record !== 'object' || record === null) return undefined
  const r = record as { stageTimestamp?: unknown; timestamp?: unknown }
  for (const value of [r.stageTimestamp, r.timestamp]) {
    if (typeof value === 'string' && value.length <= MAX_STAMP_CHARS) {
      const stamp = parseTime(value)
      if (stamp && stamp.time >= 0) return stamp.time
    }
  }
  return undefined
}

/** The oldest record time of a batch of audit records (epoch µs), or undefined when none has one. */
export function oldestAuditTime(records: readonly unknown[]): number | undefined {
  let oldest: number | undefined
  for (const r of records) {
    const t = auditRecordTime(r)
    if (t !== undefined && (oldest === undefined || t < oldest)) oldest = t
  }
  return oldest
}

/** Options of {@link WatermarkTagger}. */
export interface WatermarkTaggerOptions {
  /** Total partitions P. */
  readonly partitions: number
  readonly subjectOf?: (p: number) => string
  /** A source's watermark goes to every partition at most this often (µs, default 1 s). */
  readonly broadcastEveryUs?: number
  /** Sources remembered for the broadcast rate (default 256; the oldest is forgotten). */
  readonly maxSources?: number
}

const encoder = new TextEncoder()

/**
 * Builds a source's watermark messages for one batch it publishes: one `WatermarkEnvelope` per
 * partition the batch's signals go to (and, at most once per `broadcastEveryUs` per source, to
 * every partition, so partitions the batch does not touch learn it too). They go first in the
 * publish, before the signals: `time` is the oldest record time of the batch (clamped to
 * `sentAt`), so "every record from here on is at or after `time`" holds however the host's
 * fetches cut the partition's messages.
 */
export class WatermarkTagger {
  readonly #total: number
  readonly #subjectOf: (p: number) => string
  readonly #everyUs: number
  readonly #max: number
  readonly #broadcastAt = new Map<string, number>()

  constructor(o: WatermarkTaggerOptions) {
    this.#total = o.partitions
    this.#subjectOf = o.subjectOf ?? signalSubject
    this.#everyUs = o.broadcastEveryUs ?? 1_000_000
    this.#max = o.maxSources ?? 256
  }

  /**
   * The watermark messages of a batch from `source` whose oldest record is at `time` (epoch µs;
   * undefined: no message) sent at `sentAt`, for the partition subjects of `signals` (the batch's
   * signal messages).
   */
  messages(
    source: string,
    time: number | undefined,
    sentAt: number,
    signals: readonly { readonly subject: string }[],
  ): SignalMessage[] {
    if (time === undefined || !Number.isFinite(time) || !Number.isFinite(sentAt)) return []
    const subjects = new Set<string>()
    const last = this.#broadcastAt.get(source)
    if (last === undefined || sentAt - last >= this.#everyUs || sentAt < last) {
      this.#broadcastAt.delete(source)
      this.#broadcastAt.set(source, sentAt)
      if (this.#broadcastAt.size > this.#max) {
        const [oldest] = this.#broadcastAt.keys()
        if (oldest !== undefined) this.#broadcastAt.delete(oldest)
      }
      for (let p = 0; p < this.#total; p++) subjects.add(this.#subjectOf(p))
    } else {
      for (const s of signals) subjects.add(s.subject)
    }
    const body = { v: 1, kind: 'watermark', source, time: Math.min(time, sentAt), sentAt }
    const data = encoder.encode(JSON.stringify(body))
    return [...subjects].map((subject) => ({
      subject,
      data,
      msgId: `wm:${source}:${sentAt}:${subject}`,
    }))
  }
}
