import {
  type BusMessage,
  BusUnavailableError,
  type Consumer,
  type ConsumerSpec,
  type StreamSpec,
} from './bus.ts'
import { subjectMatches } from './embedded-match.ts'

/** Unacked deliveries a consumer may hold before new messages wait (as `max_ack_pending`). */
const MAX_ACK_PENDING = 1000

interface Stored {
  readonly seq: number
  readonly subject: string
  readonly data: Uint8Array
  readonly msgId: string | undefined
  readonly time: number
  readonly size: number
}

interface Inflight {
  deliveries: number
  /** When the message becomes eligible for redelivery (injected clock). */
  due: number
}

/** An in-memory JetStream stream: limits by age and bytes (discard old), publish dedupe. */
export class EmbeddedStream {
  #spec: StreamSpec
  readonly #now: () => number
  readonly #messages: Stored[] = []
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
    if (drop > 0) this.#messages.splice(0, drop)
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

/**
 * A durable pull consumer's state, shared by its readers: in-order first delivery, ack tracking,
 * redelivery after the ack wait.
 */
export class EmbeddedConsumer {
  readonly #stream: EmbeddedStream
  #filter: string
  #ackWaitMs: number
  /** Last stream sequence examined for first delivery (JetStream's delivered stream seq). */
  #cursor = 0
  /** Delivered, unacked messages by stream sequence (ascending: insertion follows the cursor). */
  readonly #inflight = new Map<number, Inflight>()
  readonly #waiters = new Set<() => void>()

  constructor(stream: EmbeddedStream, spec: ConsumerSpec) {
    this.#stream = stream
    this.#filter = spec.filterSubject
    this.#ackWaitMs = spec.ackWaitMs
  }

  configure(spec: ConsumerSpec): void {
    this.#filter = spec.filterSubject
    this.#ackWaitMs = spec.ackWaitMs
  }

  async fetch(max: number, expiresMs: number, stopped = () => false): Promise<BusMessage[]> {
    if (this.#stream.closed) throw new BusUnavailableError('bus closed')
    const until = Date.now() + expiresMs
    const out: BusMessage[] = []
    for (;;) {
      if (stopped()) return out
      this.#take(max, out)
      const left = until - Date.now()
      if (out.length > 0 || left <= 0 || this.#stream.closed) return out
      await this.#wait(Math.min(left, this.#nextDueIn()))
    }
  }

  async pending(): Promise<number> {
    if (this.#stream.closed) throw new BusUnavailableError('bus closed')
    this.#stream.prune()
    let count = this.#inflight.size
    for (let i = this.#stream.indexAfter(this.#cursor); ; i++) {
      const m = this.#stream.at(i)
      if (!m) return count
      if (subjectMatches(this.#filter, m.subject)) count++
    }
  }

  /** A message on `subject` was stored: wake waiting fetches if it is ours. */
  offer(subject: string): void {
    if (subjectMatches(this.#filter, subject)) this.wake()
  }

  wake(): void {
    for (const waiter of [...this.#waiters]) waiter()
  }

  #take(max: number, out: BusMessage[]): void {
    this.#stream.prune()
    const now = this.#stream.now()
    // Redeliveries first, in stream order, as JetStream does.
    for (const [seq, state] of this.#inflight) {
      if (out.length >= max) return
      if (state.due > now) continue
      const m = this.#stream.message(seq)
      if (!m) {
        this.#inflight.delete(seq)
        continue
      }
      state.deliveries++
      state.due = now + this.#ackWaitMs
      out.push(this.#deliver(m, state.deliveries))
    }
    let i = this.#stream.indexAfter(this.#cursor)
    while (out.length < max && this.#inflight.size < MAX_ACK_PENDING) {
      const m = this.#stream.at(i++)
      if (!m) return
      this.#cursor = m.seq
      if (!subjectMatches(this.#filter, m.subject)) continue
      this.#inflight.set(m.seq, { deliveries: 1, due: now + this.#ackWaitMs })
      out.push(this.#deliver(m, 1))
    }
  }

  #deliver(m: Stored, deliveries: number): BusMessage {
    const inflight = this.#inflight
    const stream = this.#stream
    const wake = () => this.wake()
    // As JsMsg: the first ack or nak of a delivery counts, later ones are ignored.
    let answered = false
    return {
      subject: m.subject,
      data: m.data.slice(),
      msgId: m.msgId,
      seq: m.seq,
      deliveries,
      ack() {
        if (answered) return
        answered = true
        inflight.delete(m.seq)
      },
      nak(delayMs?: number) {
        if (answered) return
        answered = true
        const state = inflight.get(m.seq)
        if (!state) return
        state.due = stream.now() + Math.max(0, delayMs ?? 0)
        wake()
      },
    }
  }

  /** Milliseconds until the next unacked message is due for redelivery (Infinity if none). */
  #nextDueIn(): number {
    const now = this.#stream.now()
    let next = Number.POSITIVE_INFINITY
    for (const state of this.#inflight.values()) next = Math.min(next, state.due - now)
    return Math.max(1, next)
  }

  #wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer)
        this.#waiters.delete(done)
        resolve()
      }
      const timer = setTimeout(done, ms)
      this.#waiters.add(done)
    })
  }
}
