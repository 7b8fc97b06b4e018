import {
  BusFullError,
  BusUnavailableError,
  type Consumer,
  type ConsumerSpec,
  type StreamSpec,
  type StreamUsage,
} from './bus.ts'
import { EmbeddedConsumer } from './embedded-consumer.ts'
import { subjectMatches } from './embedded-match.ts'
import { SeqLog } from './embedded-seqlog.ts'

/** A stored message. */
export interface Stored {
  readonly seq: number
  readonly subject: string
  readonly data: Uint8Array
  readonly msgId: string | undefined
  readonly time: number
  /** Bytes counted against the stream; -1 until a message stored unencoded is encoded. */
  size: number
  /** The publisher's object, in process (see `LOCAL_VALUE`). */
  readonly value: unknown
}

/** A message's bytes: as given (copied), or made on first read (a `localMessage`). */
type Bytes = Uint8Array | (() => Uint8Array)

/** A stored message whose bytes are made (once) when first read. */
function lazyStored(
  seq: number,
  subject: string,
  encode: () => Uint8Array,
  msgId: string | undefined,
  time: number,
  value: unknown,
): Stored {
  return {
    seq,
    subject,
    msgId,
    time,
    size: -1,
    value,
    get data() {
      return encode()
    },
  }
}

/**
 * An in-memory JetStream stream: limits by age, bytes and messages, publish dedupe. Full, a
 * `discard: 'old'` stream drops its oldest messages; a `discard: 'new'` one refuses the message
 * with BusFullError (nothing unprocessed is lost). With
 * `dropAcked` (the embedded runtime's own bus) a message also goes once every consumer reading it
 * has acknowledged it, as JetStream's interest retention: in one process nobody else will read it,
 * and a week of signals would not fit in memory. A message no consumer reads is kept (limits).
 */
export class EmbeddedStream {
  #spec: StreamSpec
  readonly #now: () => number
  readonly #messages = new SeqLog<Stored>()
  /** The same messages by subject, for consumers filtering on one literal subject. */
  readonly #bySubject = new Map<string, SeqLog<Stored>>()
  readonly #dedupe = new Map<string, number>()
  readonly #consumers = new Map<string, EmbeddedConsumer>()
  /** Consumers reading a subject (dropAcked), rebuilt when consumers change. */
  readonly #readers = new Map<string, EmbeddedConsumer[]>()
  readonly #dropAcked: boolean
  #lastSeq = 0
  #bytes = 0
  /** Retained messages stored unencoded, not yet in `#bytes`. */
  #unsized = 0
  #closed = false

  constructor(spec: StreamSpec, now: () => number, dropAcked = false) {
    this.#spec = spec
    this.#now = now
    this.#dropAcked = dropAcked
  }

  get closed(): boolean {
    return this.#closed
  }

  get patterns(): readonly string[] {
    return this.#spec.subjects
  }

  now(): number {
    return this.#now()
  }

  configure(spec: StreamSpec): void {
    this.#spec = spec
    if (spec.maxBytes > 0) this.#sizeAll()
    this.prune()
  }

  captures(subject: string): boolean {
    return this.#spec.subjects.some((pattern) => subjectMatches(pattern, subject))
  }

  /**
   * Stores a message unless its msgId was seen within the duplicate window. Bytes given as a
   * function are encoded only when read, or counted, or when the stream has a byte cap.
   */
  store(subject: string, bytes: Bytes, msgId: string | undefined, value?: unknown): void {
    this.prune()
    if (msgId !== undefined && this.#dedupe.has(msgId)) return
    const { maxBytes, name } = this.#spec
    if (typeof bytes === 'function' && maxBytes <= 0) {
      if (this.#spec.discard === 'new') this.#admit(subject, 0)
      this.#unsized++
      this.#keep(lazyStored(++this.#lastSeq, subject, bytes, msgId, this.#now(), value))
      return
    }
    const data = typeof bytes === 'function' ? bytes() : bytes
    const size = subject.length + data.byteLength + (msgId === undefined ? 0 : msgId.length)
    if (maxBytes > 0 && size > maxBytes) {
      throw new BusUnavailableError(
        `message on ${subject} (${size} bytes) exceeds stream ${name} max bytes`,
      )
    }
    if (this.#spec.discard === 'new') this.#admit(subject, size)
    const time = this.#now()
    const seq = ++this.#lastSeq
    this.#bytes += size
    this.#keep({ seq, subject, data: data.slice(), msgId, time, size, value })
  }

  #keep(stored: Stored): void {
    const { subject, msgId } = stored
    this.#messages.push(stored)
    const list = this.#bySubject.get(subject)
    if (list) list.push(stored)
    else {
      const log = new SeqLog<Stored>()
      log.push(stored)
      this.#bySubject.set(subject, log)
    }
    if (msgId !== undefined) this.#dedupe.set(msgId, stored.time)
    this.prune()
    for (const consumer of this.#consumers.values()) consumer.offer(subject)
  }

  /** Encodes and counts the retained messages stored unencoded (for a byte count or cap). */
  #sizeAll(): void {
    for (let i = 0; this.#unsized > 0; i++) {
      const m = this.#messages.at(i)
      if (!m) break
      if (m.size >= 0) continue
      m.size = m.subject.length + m.data.byteLength + (m.msgId?.length ?? 0)
      this.#bytes += m.size
      this.#unsized--
    }
  }

  /** Throws BusFullError when one more message of `size` bytes would pass a limit. */
  #admit(subject: string, size: number): void {
    const { maxBytes, name } = this.#spec
    const maxMessages = this.#spec.maxMessages ?? -1
    const bytesFull = maxBytes > 0 && this.#bytes + size > maxBytes
    const countFull = maxMessages > 0 && this.#messages.length + 1 > maxMessages
    if (!bytesFull && !countFull) return
    const what = bytesFull ? 'maximum bytes exceeded' : 'maximum messages exceeded'
    throw new BusFullError(
      name,
      `stream ${name} is full (${what}): publish on ${subject} refused, nothing dropped`,
    )
  }

  /** Bytes and messages retained, and the caps. */
  usage(): StreamUsage {
    this.prune()
    this.#sizeAll()
    return {
      bytes: this.#bytes,
      messages: this.#messages.length,
      maxBytes: this.#spec.maxBytes,
      maxMessages: this.#spec.maxMessages ?? -1,
    }
  }

  /**
   * Drops messages past max age, dedupe ids past the window and, in a `discard: 'old'` stream,
   * the oldest messages over max bytes or messages.
   */
  prune(): void {
    const now = this.#now()
    const { maxAgeMs, maxBytes, duplicateWindowMs } = this.#spec
    const dropOld = this.#spec.discard !== 'new'
    const maxMessages = this.#spec.maxMessages ?? -1
    for (let m = this.#messages.first(); m !== undefined; m = this.#messages.first()) {
      const old = maxAgeMs > 0 && m.time <= now - maxAgeMs
      const over =
        dropOld &&
        ((maxBytes > 0 && this.#bytes > maxBytes) ||
          (maxMessages > 0 && this.#messages.length > maxMessages))
      if (!old && !over && !(this.#dropAcked && this.#consumed(m))) break
      this.#messages.dropFirst()
      if (m.size >= 0) this.#bytes -= m.size
      else this.#unsized--
      const list = this.#bySubject.get(m.subject)
      if (list?.first() === m) list.dropFirst()
      if (list?.length === 0) this.#bySubject.delete(m.subject)
    }
    const window = maxAgeMs > 0 ? Math.min(duplicateWindowMs, maxAgeMs) : duplicateWindowMs
    for (const [id, time] of this.#dedupe) {
      if (time > now - window) break
      this.#dedupe.delete(id)
    }
  }

  /** Some consumer reads `m` and every one that does has acknowledged it (and all before it). */
  #consumed(m: Stored): boolean {
    let readers = this.#readers.get(m.subject)
    if (!readers) {
      readers = [...this.#consumers.values()].filter((c) => c.reads(m.subject))
      this.#readers.set(m.subject, readers)
    }
    return readers.length > 0 && readers.every((c) => c.floor() > m.seq)
  }

  /** The stored message with this sequence, if still retained. */
  message(seq: number): Stored | undefined {
    const m = this.#messages.at(this.#messages.indexAfter(seq - 1))
    return m?.seq === seq ? m : undefined
  }

  /** Position of the first retained message whose sequence is greater than `seq` (for `at`). */
  indexAfter(seq: number): number {
    return this.#messages.indexAfter(seq)
  }

  at(index: number): Stored | undefined {
    return this.#messages.at(index)
  }

  /** Retained messages on exactly `subject` with a sequence greater than `seq`, in order. */
  *onSubjectAfter(subject: string, seq: number): Generator<Stored> {
    const list = this.#bySubject.get(subject)
    if (!list) return
    for (let i = list.indexAfter(seq); i < list.length; i++) {
      const m = list.at(i)
      if (m) yield m
    }
  }

  /** A reader of the durable consumer (created on first use); closing it ends only this reader. */
  consumer(spec: ConsumerSpec): Consumer {
    this.#readers.clear()
    let durable = this.#consumers.get(spec.durable)
    if (durable) durable.configure(spec)
    else {
      durable = new EmbeddedConsumer(this, spec)
      this.#consumers.set(spec.durable, durable)
    }
    const state = durable
    let closed = false
    return {
      fetch: (max, expiresMs) =>
        closed ? Promise.resolve([]) : state.fetch(max, expiresMs, () => closed),
      pending: () => state.pending(),
      close: async () => {
        closed = true
        state.wake()
      },
    }
  }

  close(): void {
    this.#closed = true
    for (const consumer of this.#consumers.values()) consumer.wake()
  }
}
