import type { ConsumerMessages, Consumer as JsConsumer, JsMsg } from '@nats-io/jetstream'
import type { BusMessage, Consumer } from './bus.ts'
import { unavailable } from './nats-errors.ts'

/**
 * Bytes the client keeps pulled ahead of processing (JetStream `consume` buffer; at most 100
 * messages per pull). Bounded by bytes, not messages: a webhook `batch` message holds up to 500
 * signals, and a buffer of hundreds of them would outlast the ack wait before it is processed.
 */
const PREFETCH_BYTES = 4 * 1024 * 1024

/**
 * A durable JetStream pull consumer behind the bus interface. It runs one continuous `consume()`
 * (the client re-pulls as its buffer drains, so nothing waits for a pull to expire) and `fetch`
 * hands out what is buffered: at once when anything is there, else as soon as a message arrives.
 */
export class NatsConsumer implements Consumer {
  readonly #consumer: JsConsumer
  readonly #name: string
  readonly #buffer: JsMsg[] = []
  readonly #waiters = new Set<() => void>()
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
    return this.#buffer.splice(0, max).map(toBusMessage)
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
    this.#wake()
    // stop() ends the pull at once; close() may wait on a server that is restarting.
    this.#messages?.stop()
    this.#messages = null
  }

  async #start(): Promise<void> {
    if (this.#messages) return
    try {
      this.#messages = await this.#consumer.consume({ max_bytes: PREFETCH_BYTES })
    } catch (err: unknown) {
      throw unavailable(`consume from ${this.#name}`, err)
    }
    const messages = this.#messages
    void (async () => {
      try {
        for await (const m of messages) {
          if (this.#closed) break
          this.#buffer.push(m)
          this.#wake()
        }
      } catch (err: unknown) {
        this.#failure = err
      }
      if (this.#messages === messages) this.#messages = null
      this.#wake()
    })()
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
