import { type BusMessage, BusUnavailableError, type ConsumerSpec } from './bus.ts'
import { LOCAL_VALUE, type WithLocalValue } from './embedded-local.ts'
import { subjectMatches } from './embedded-match.ts'
import type { EmbeddedStream, Stored } from './embedded-stream.ts'

/** Unacked deliveries a consumer may hold before new messages wait (as `max_ack_pending`). */
const MAX_ACK_PENDING = 1000

interface Inflight {
  deliveries: number
  /** When the message becomes eligible for redelivery (injected clock). */
  due: number
}

/**
 * A durable pull consumer's state, shared by its readers: in-order first delivery, ack tracking,
 * redelivery after the ack wait.
 */
export class EmbeddedConsumer {
  readonly #stream: EmbeddedStream
  #filter: string
  #ackWaitMs: number
  #maxDeliver: number
  #backoffMs: readonly number[]
  /** Last stream sequence examined for first delivery (JetStream's delivered stream seq). */
  #cursor = 0
  /** Delivered, unacked messages by stream sequence (ascending: insertion follows the cursor). */
  readonly #inflight = new Map<number, Inflight>()
  readonly #waiters = new Set<() => void>()

  constructor(stream: EmbeddedStream, spec: ConsumerSpec) {
    this.#stream = stream
    this.#filter = spec.filterSubject
    this.#ackWaitMs = spec.ackWaitMs
    this.#maxDeliver = spec.maxDeliver ?? Number.POSITIVE_INFINITY
    this.#backoffMs = spec.backoffMs ?? []
  }

  configure(spec: ConsumerSpec): void {
    this.#filter = spec.filterSubject
    this.#ackWaitMs = spec.ackWaitMs
    this.#maxDeliver = spec.maxDeliver ?? Number.POSITIVE_INFINITY
    this.#backoffMs = spec.backoffMs ?? []
  }

  /** The ack wait of a message's `deliveries`-th delivery (JetStream `backoff`). */
  #ackWait(deliveries: number): number {
    const b = this.#backoffMs
    return b.length === 0 ? this.#ackWaitMs : (b[Math.min(deliveries, b.length) - 1] ?? 0)
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

  /** Whether this consumer's filter takes `subject`. */
  reads(subject: string): boolean {
    return subjectMatches(this.#filter, subject)
  }

  /** The lowest sequence this consumer is not done with: its oldest unacked delivery, else the next. */
  floor(): number {
    for (const seq of this.#inflight.keys()) return seq
    return this.#cursor + 1
  }

  /** A message on `subject` was stored: wake waiting fetches if it is ours. */
  offer(subject: string): void {
    if (this.#filter === subject || (!this.#literal() && subjectMatches(this.#filter, subject))) {
      this.wake()
    }
  }

  /** A filter without wildcards: messages are found through the stream's subject index. */
  #literal(): boolean {
    return !this.#filter.includes('*') && !this.#filter.includes('>')
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
      // Past max_deliver a message is not delivered again and no longer pending, as in JetStream.
      if (!m || state.deliveries >= this.#maxDeliver) {
        this.#inflight.delete(seq)
        if (m) this.#stream.prune()
        continue
      }
      state.deliveries++
      state.due = now + this.#ackWait(state.deliveries)
      out.push(this.#deliver(m, state.deliveries))
    }
    if (this.#literal()) {
      for (const m of this.#stream.onSubjectAfter(this.#filter, this.#cursor)) {
        if (out.length >= max || this.#inflight.size >= MAX_ACK_PENDING) return
        this.#cursor = m.seq
        this.#inflight.set(m.seq, { deliveries: 1, due: now + this.#ackWait(1) })
        out.push(this.#deliver(m, 1))
      }
      return
    }
    let i = this.#stream.indexAfter(this.#cursor)
    while (out.length < max && this.#inflight.size < MAX_ACK_PENDING) {
      const m = this.#stream.at(i++)
      if (!m) return
      this.#cursor = m.seq
      if (!subjectMatches(this.#filter, m.subject)) continue
      this.#inflight.set(m.seq, { deliveries: 1, due: now + this.#ackWait(1) })
      out.push(this.#deliver(m, 1))
    }
  }

  #deliver(m: Stored, deliveries: number): BusMessage {
    const inflight = this.#inflight
    const stream = this.#stream
    const wake = () => this.wake()
    // As JsMsg: the first ack or nak of a delivery counts, later ones are ignored.
    let answered = false
    let copy: Uint8Array | undefined
    const delivered: BusMessage & WithLocalValue = {
      [LOCAL_VALUE]: m.value,
      subject: m.subject,
      // Copied on first read: an in-process reader of the publisher's object never needs it.
      get data() {
        copy ??= m.data.slice()
        return copy
      },
      msgId: m.msgId,
      seq: m.seq,
      deliveries,
      storedMs: m.time,
      ack() {
        if (answered) return
        answered = true
        inflight.delete(m.seq)
        stream.prune()
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
    return delivered
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
