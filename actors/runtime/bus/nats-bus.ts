import {
  JetStreamApiCodes,
  type JetStreamClient,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
} from '@nats-io/jetstream'
import { Kvm } from '@nats-io/kv'
import { connect, type NatsConnection, nanos } from '@nats-io/transport-node'
import {
  type Bus,
  BusUnavailableError,
  type Consumer,
  type ConsumerSpec,
  type KvBucket,
  type OutMessage,
  type StreamSpec,
  type Subscription,
  type TailMessage,
  type TailStart,
} from './bus.ts'
import { ensureNatsConsumer, ensureNatsStream } from './nats-admin.ts'
import { NatsConsumer } from './nats-consumer.ts'
import { hasApiCode, requestError, unavailable } from './nats-errors.ts'
import { NatsKv } from './nats-kv.ts'
import { natsTail } from './nats-stream-tail.ts'

/** Logger the bus reports connection changes and handler failures to. */
export interface NatsBusLog {
  warn(o: object, m: string): void
}

/** Options of `NatsBus.connect`. */
export interface NatsBusOptions {
  /** Connection name shown by the server (`nats server report connections`). */
  readonly name?: string
  readonly log?: NatsBusLog
}

/** Pause between reconnect attempts; attempts never stop. */
const RECONNECT_WAIT_MS = 1000

/** The bus on NATS core + JetStream (nats.js v3), for production and the integration tests. */
export class NatsBus implements Bus {
  readonly #nc: NatsConnection
  readonly #js: JetStreamClient
  readonly #log: NatsBusLog | undefined
  readonly #subscriptions = new Set<Subscription>()
  #jsm: Promise<JetStreamManager> | undefined
  #closed = false

  private constructor(nc: NatsConnection, log: NatsBusLog | undefined) {
    this.#nc = nc
    this.#js = jetstream(nc)
    this.#log = log
  }

  /** Connects (reconnecting forever after the first success). */
  static async connect(url: string | string[], opts: NatsBusOptions = {}): Promise<NatsBus> {
    try {
      const nc = await connect({
        servers: url,
        maxReconnectAttempts: -1,
        reconnectTimeWait: RECONNECT_WAIT_MS,
        ...(opts.name === undefined ? {} : { name: opts.name }),
      })
      const bus = new NatsBus(nc, opts.log)
      bus.#watchStatus()
      return bus
    } catch (err: unknown) {
      throw unavailable(`cannot connect to NATS at ${String(url)}`, err)
    }
  }

  async ensureStream(spec: StreamSpec): Promise<void> {
    const jsm = await this.#manager()
    try {
      await ensureNatsStream(jsm, spec)
    } catch (err: unknown) {
      throw unavailable(`ensure stream ${spec.name}`, err)
    }
  }

  async consumer(spec: ConsumerSpec): Promise<Consumer> {
    const jsm = await this.#manager()
    const { stream, durable } = spec
    try {
      await ensureNatsConsumer(jsm, spec)
      return new NatsConsumer(await this.#js.consumers.get(stream, durable), `${stream}/${durable}`)
    } catch (err: unknown) {
      if (hasApiCode(err, JetStreamApiCodes.StreamNotFound)) {
        throw new BusUnavailableError(`stream ${stream} not found`, { cause: err })
      }
      throw unavailable(`consumer ${stream}/${durable}`, err)
    }
  }

  async publish(messages: readonly OutMessage[]): Promise<void> {
    this.#assertOpen()
    await Promise.all(
      messages.map(async (m) => {
        try {
          await this.#js.publish(m.subject, m.data, m.msgId === undefined ? {} : { msgID: m.msgId })
        } catch (err: unknown) {
          // A publish nobody stores comes back as "no responders", which nats.js reports as
          // JetStream being disabled: name the likelier cause first.
          const cause = err instanceof Error && err.name === 'JetStreamNotEnabled'
          const what = cause ? `no stream captures ${m.subject} (or JetStream is off)` : 'publish'
          throw cause
            ? new BusUnavailableError(what, { cause: err })
            : unavailable(`${what} on ${m.subject}`, err)
        }
      }),
    )
  }

  emit(subject: string, data: Uint8Array): void {
    this.#assertOpen()
    try {
      this.#nc.publish(subject, data)
    } catch (err: unknown) {
      throw unavailable(`emit on ${subject}`, err)
    }
  }

  subscribe(subject: string, handler: (subject: string, data: Uint8Array) => void): Subscription {
    this.#assertOpen()
    const sub = this.#nc.subscribe(subject, {
      callback: (err, msg) => {
        if (err) {
          this.#log?.warn({ err, subject }, 'subscription failed')
          return
        }
        try {
          handler(msg.subject, msg.data)
        } catch (error: unknown) {
          this.#log?.warn({ err: error, subject: msg.subject }, 'subscription handler failed')
        }
      },
    })
    return this.#track(() => sub.drain())
  }

  async request(subject: string, data: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
    this.#assertOpen()
    try {
      return (await this.#nc.request(subject, data, { timeout: timeoutMs })).data
    } catch (err: unknown) {
      throw requestError(subject, timeoutMs, err)
    }
  }

  serve(
    subject: string,
    queue: string,
    handler: (data: Uint8Array) => Promise<Uint8Array>,
  ): Subscription {
    this.#assertOpen()
    const running = new Set<Promise<void>>()
    const sub = this.#nc.subscribe(subject, {
      queue,
      callback: (err, msg) => {
        if (err) {
          this.#log?.warn({ err, subject }, 'serve subscription failed')
          return
        }
        const run = Promise.resolve()
          .then(() => handler(msg.data))
          .then((answer) => {
            msg.respond(answer)
          })
          .catch((error: unknown) => {
            this.#log?.warn({ err: error, subject: msg.subject }, 'request handler failed')
          })
          .finally(() => running.delete(run))
        running.add(run)
      },
    })
    return this.#track(async () => {
      await sub.drain()
      await Promise.all(running)
    })
  }

  async kv(bucket: string, ttlMs: number): Promise<KvBucket> {
    const jsm = await this.#manager()
    try {
      // Requests sent while NATS is down are not answered after the reconnect: they wait out
      // their timeout. Keep that well inside the TTL so a lease renewal can be retried in time.
      const timeout = Math.min(5000, Math.max(2000, Math.floor(ttlMs / 3)))
      const js = jetstream(this.#nc, { timeout })
      const kv = await new Kvm(js).create(bucket, { ttl: ttlMs, history: 1 })
      // Kvm.create opens an existing bucket as it is: align its TTL with the one asked for.
      const stream = `KV_${bucket}`
      const { config } = await jsm.streams.info(stream)
      if (config.max_age !== nanos(ttlMs)) {
        await jsm.streams.update(stream, { max_age: nanos(ttlMs) })
      }
      return new NatsKv(kv, bucket)
    } catch (err: unknown) {
      throw unavailable(`kv bucket ${bucket}`, err)
    }
  }

  async tail(
    stream: string,
    subject: string,
    start: TailStart,
    onMessage: (m: TailMessage) => void,
  ): Promise<Subscription> {
    this.#assertOpen()
    const tail = await natsTail(this.#js, stream, subject, start, onMessage, (o, m) =>
      this.#log?.warn(o, m),
    )
    return this.#track(() => tail.close())
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await Promise.all([...this.#subscriptions].map((s) => s.close()))
    if (this.#nc.isClosed()) return
    try {
      await this.#nc.drain()
    } catch (err: unknown) {
      // Draining needs the server; while it is unreachable, closing is all that is left to do.
      this.#log?.warn({ err }, 'nats drain failed, closing')
      await this.#nc.close()
    }
  }

  /** The JetStream manager, checking once that the server has JetStream at all. */
  #manager(): Promise<JetStreamManager> {
    this.#assertOpen()
    this.#jsm ??= jetstreamManager(this.#nc).catch((err: unknown) => {
      this.#jsm = undefined
      throw unavailable('JetStream unavailable', err)
    })
    return this.#jsm
  }

  #track(close: () => Promise<void>): Subscription {
    let closing: Promise<void> | undefined
    const subscription: Subscription = {
      close: () => {
        closing ??= close()
          .catch((err: unknown) => {
            if (!this.#nc.isClosed()) throw unavailable('subscription close', err)
          })
          .finally(() => this.#subscriptions.delete(subscription))
        return closing
      },
    }
    this.#subscriptions.add(subscription)
    return subscription
  }

  #watchStatus(): void {
    const log = this.#log
    if (!log) return
    const watch = async () => {
      for await (const s of this.#nc.status()) {
        if (s.type === 'disconnect' || s.type === 'reconnect' || s.type === 'error') {
          log.warn({ status: s }, `nats ${s.type}`)
        }
      }
    }
    watch().catch((err: unknown) => log.warn({ err }, 'nats status watch ended'))
  }

  #assertOpen(): void {
    if (this.#closed || this.#nc.isClosed()) throw new BusUnavailableError('bus closed')
  }
}
