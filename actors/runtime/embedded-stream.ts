import { BusUnavailableError, type Consumer, type ConsumerSpec, type StreamSpec } from './bus.ts'
import { EmbeddedConsumer } from './embedded-consumer.ts'
import { subjectMatches } from './embedded-match.ts'

/** A stored message. */
export interface Stored {
  readonly seq: number
  readonly subject: string
  readonly data: Uint8Array
  readonly msgId: string | undefined
  readonly time: number
  readonly size: number
}

/** An in-memory JetStream stream: limits by age and bytes (discard old), publish dedupe. */
export class EmbeddedStream {
  #spec: StreamSpec
  readonly #now: () => number
  readonly #messages: Stored[] = []
  /** The same messages by subject, for consumers filtering on one literal subject. */
  readonly #bySubject = new Map<string, Stored[]>()
  readonly #dedupe = new Map<string, number>()
  readonly #consumers = new Map<string, EmbeddedConsumer>()
  #lastSeq = 0
  #bytes = 0
  #closed = false

  constructor(spec: StreamSpec, now: () => number) {
    this.#spec = spec
    this.#now = now
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
    this.prune()
  }

  captures(subject: string): boolean {
    return this.#spec.subjects.some((pattern) => subjectMatches(pattern, subject))
  }

  /** Stores a message unless its msgId was seen within the duplicate window. */
  store(subject: string, data: Uint8Array, msgId: string | undefined): void {
    this.prune()
    if (msgId !== undefined && this.#dedupe.has(msgId)) return
    const size = subject.length + data.byteLength + (msgId === undefined ? 0 : msgId.length)
    const { maxBytes } = this.#spec
    if (maxBytes > 0 && size > maxBytes) {
      throw new BusUnavailableError(
        `message on ${subject} (${size} bytes) exceeds stream ${this.#spec.name} max bytes`,
      )
    }
    const time = this.#now()
    const stored: Stored = { seq: ++this.#lastSeq, subject, data: data.slice(), msgId, time, size }
    this.#messages.push(stored)
    const list = this.#bySubject.get(subject)
    if (list) list.push(stored)
    else this.#bySubject.set(subject, [stored])
    this.#bytes += size
    if (msgId !== undefined) this.#dedupe.set(msgId, time)
    this.prune()
    for (const consumer of this.#consumers.values()) consumer.offer(subject)
  }

  /** Drops messages past max age or over max bytes, and dedupe ids past the window. */
  prune(): void {
    const now = this.#now()
    const { maxAgeMs, maxBytes, duplicateWindowMs } = this.#spec
    let drop = 0
    for (const m of this.#messages) {
      const old = maxAgeMs > 0 && m.time <= now - maxAgeMs
      const over = maxBytes > 0 && this.#bytes > maxBytes
      if (!old && !over) break
      this.#bytes -= m.size
      drop++
    }
    if (drop > 0) {
      for (const m of this.#messages.splice(0, drop)) {
        const list = this.#bySubject.get(m.subject)
        if (list?.[0] === m) list.shift()
        if (list?.length === 0) this.#bySubject.delete(m.subject)
      }
    }
    const window = maxAgeMs > 0 ? Math.min(duplicateWindowMs, maxAgeMs) : duplicateWindowMs
    for (const [id, time] of this.#dedupe) {
      if (time > now - window) break
      this.#dedupe.delete(id)
    }
  }

  /** The stored message with this sequence, if still retained. */
  message(seq: number): Stored | undefined {
    const i = this.indexAfter(seq - 1)
    const m = this.#messages[i]
    return m?.seq === seq ? m : undefined
  }

  /** Index of the first retained message whose sequence is greater than `seq`. */
  indexAfter(seq: number): number {
    let lo = 0
    let hi = this.#messages.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      const m = this.#messages[mid]
      if (m !== undefined && m.seq <= seq) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  at(index: number): Stored | undefined {
    return this.#messages[index]
  }

  /** Retained messages on exactly `subject` with a sequence greater than `seq`, in order. */
  *onSubjectAfter(subject: string, seq: number): Generator<Stored> {
    const list = this.#bySubject.get(subject)
    if (!list) return
    let lo = 0
    let hi = list.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if ((list[mid]?.seq ?? 0) <= seq) lo = mid + 1
      else hi = mid
    }
    for (let i = lo; i < list.length; i++) {
      const m = list[i]
      if (m) yield m
    }
  }

  /** A reader of the durable consumer (created on first use); closing it ends only this reader. */
  consumer(spec: ConsumerSpec): Consumer {
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
