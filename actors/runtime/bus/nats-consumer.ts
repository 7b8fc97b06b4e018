import type { ConsumerMessages, Consumer as JsConsumer, JsMsg } from '@nats-io/jetstream'
import type { BusMessage, Consumer } from './bus.ts'
import { unavailable } from './nats-errors.ts'

/**
 * Bytes kept pulled ahead of processing. Bounded by bytes, not messages: a webhook `batch`
 * message holds up to 100 signals, and a buffer of hundreds of them would outlast the ack wait
 * before it is processed.
 */
const PREFETCH_BYTES = 4 * 1024 * 1024

/** Messages asked for by one pull, and how long a pull waits for them. */
const PULL_MESSAGES = 64
const PULL_EXPIRES_MS = 5_000

/**
 * A durable JetStream pull consumer behind the bus interface. A reader keeps pulls outstanding
 * while its buffer is below PREFETCH_BYTES (messages arrive as they are stored, so nothing waits
 * for a pull to expire) and `fetch` hands out what is buffered: at once when anything is there,
 * else as soon as a message arrives.
 */
export class NatsConsumer implements Consumer {
  readonly #consumer: JsConsumer
  readonly #name: string
  readonly #buffer: JsMsg[] = []
  readonly #waiters = new Set<() => void>()
  /** Bytes in `#buffer`; past PREFETCH_BYTES the reader stops pulling. */
  #bufferedBytes = 0
  #drained: (() => void) | null = null
  #reading = false
  #messages: ConsumerMessages | null = null
  #failure: unknown = null
  #closed = false

  constructor(consumer: JsConsumer, name: string) {
    this.#consumer = consumer
    this.#name = name
  }

  async fetch(max: number, expiresMs: number): Promise<BusMessage[]> {
    if (this.#closed) return []
    await this.#start()
    if (this.#buffer.length === 0 && this.#failure === null) {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer)
          this.#waiters.delete(done)
          resolve()
        }
        const timer = setTimeout(done, Math.max(0, expiresMs))
        this.#waiters.add(done)
      })
    }
    if (this.#buffer.length === 0 && this.#failure !== null) {
      const err = this.#failure
      this.#failure = null
      this.#messages = null
      throw unavailable(`fetch from ${this.#name}`, err)
    }
    const taken = this.#buffer.splice(0, max)
    for (const m of taken) this.#bufferedBytes -= m.data.length
    if (this.#bufferedBytes < PREFETCH_BYTES) this.#release()
    return taken.map(toBusMessage)
  }

  #release(): void {
    const drained = this.#drained
    this.#drained = null
    drained?.()
  }

  async pending(): Promise<number> {
    try {
      const info = await this.#consumer.info(false)
      return info.num_pending + info.num_ack_pending
    } catch (err: unknown) {
      throw unavailable(`consumer info of ${this.#name}`, err)
    }
  }

  async close(): Promise<void> {
    this.#closed = true
    // Delivered to this reader but never handed out: back to the stream for the next reader, now.
    for (const m of this.#buffer.splice(0)) m.nak()
    this.#bufferedBytes = 0
    this.#release()
    this.#wake()
    // stop() ends the pull at once; close() may wait on a server that is restarting.
    this.#messages?.stop()
    this.#messages = null
  }

  async #start(): Promise<void> {
    if (this.#reading) return
    this.#reading = true
    void this.#read()
  }

  /**
   * Pulls while the buffer is below PREFETCH_BYTES: one pull of PULL_MESSAGES at a time, each
   * message handed on as it arrives (a waiting pull gets messages as they are stored, so nothing
   * waits for it to expire). Not `consume()`: its client re-pulls as soon as messages reach its
   * own queue, taken or not, so a partition slower than its stream had a backlog pile up in memory
   * past its ack wait (redelivered, piled up again).
   */
  async #read(): Promise<void> {
    try {
      while (!this.#closed) {
        while (this.#bufferedBytes >= PREFETCH_BYTES && !this.#closed) {
          await new Promise<void>((resolve) => {
            this.#drained = resolve
          })
        }
        if (this.#closed) break
        const pull = await this.#consumer.fetch({
          max_messages: PULL_MESSAGES,
          expires: PULL_EXPIRES_MS,
        })
        this.#messages = pull
        for await (const m of pull) {
          this.#buffer.push(m)
          this.#bufferedBytes += m.data.length
          this.#wake()
        }
      }
    } catch (err: unknown) {
      this.#failure = err
    }
    this.#messages = null
    this.#reading = false
    this.#wake()
  }

  #wake(): void {
    for (const w of [...this.#waiters]) w()
  }
}

function toBusMessage(m: JsMsg): BusMessage {
  return {
    subject: m.subject,
    data: m.data,
    msgId: m.headers?.get('Nats-Msg-Id') || undefined,
    seq: m.info.streamSequence,
    deliveries: m.info.deliveryCount,
    // The client parses the stream timestamp into a plain number despite the bigint type.
    storedMs: Number(m.info.timestampNanos) / 1e6,
    ack() {
      try {
        m.ack()
      } catch (err: unknown) {
        throw unavailable(`ack of ${m.subject}#${m.info.streamSequence}`, err)
      }
    },
    nak(delayMs?: number) {
      try {
        m.nak(delayMs)
      } catch (err: unknown) {
        throw unavailable(`nak of ${m.subject}#${m.info.streamSequence}`, err)
      }
    },
  }
}
