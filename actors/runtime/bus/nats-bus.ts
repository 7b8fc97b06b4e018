import {
  JetStreamApiCodes,
  type JetStreamClient,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
} from '@nats-io/jetstream'
import { connect, type NatsConnection } from '@nats-io/transport-node'
import {
  type Bus,
  BusUnavailableError,
  type Consumer,
  type ConsumerSpec,
  type KvBucket,
  type OutMessage,
  type StreamLimits,
  type StreamSpec,
  type StreamStats,
  type StreamUsage,
  type Subscription,
  type TailMessage,
  type TailStart,
  withLimits,
} from './bus.ts'
import { subjectMatches } from './embedded-match.ts'
import { ensureNatsConsumer, ensureNatsStream } from './nats-admin.ts'
import { NatsConsumer } from './nats-consumer.ts'
import { connectError, hasApiCode, publishError, requestError, unavailable } from './nats-errors.ts'
import { openNatsKv } from './nats-kv.ts'
import { type NatsBusLog, type NatsBusOptions, watchNatsStatus } from './nats-options.ts'
import { natsPurgeAcked, natsPurgeAckedByAll, natsStreamUsage } from './nats-stats.ts'
import { natsTail } from './nats-stream-tail.ts'

/** Pause between reconnect attempts; attempts never stop. */
const RECONNECT_WAIT_MS = 1000

/** The bus on NATS core + JetStream (nats.js v3), for production and the integration tests. */
export class NatsBus implements Bus, StreamStats {
  readonly #nc: NatsConnection
  readonly #js: JetStreamClient
  readonly #log: NatsBusLog | undefined
  readonly #limits: StreamLimits | undefined
  readonly #subscriptions = new Set<Subscription>()
  /** Streams this bus ensured, by name: their subjects, to name the stream a full publish hit. */
  readonly #streams = new Map<string, readonly string[]>()
  #jsm: Promise<JetStreamManager> | undefined
  #closed = false

  private constructor(nc: NatsConnection, opts: NatsBusOptions) {
    this.#nc = nc
    this.#js = jetstream(nc)
    this.#log = opts.log
    this.#limits = opts.limits
  }

  /**
   * Connects (reconnecting forever after the first success). A first connection that fails, a
   * wrong password included, rejects at once with BusUnavailableError naming the servers (their
   * userinfo redacted), never the secret.
   */
  static async connect(url: string | string[], opts: NatsBusOptions = {}): Promise<NatsBus> {
    try {
      const nc = await connect({
        servers: url,
        maxReconnectAttempts: -1,
        reconnectTimeWait: RECONNECT_WAIT_MS,
        ...(opts.name === undefined ? {} : { name: opts.name }),
        ...opts.auth,
      })
      const bus = new NatsBus(nc, opts)
      if (opts.log) watchNatsStatus(nc, opts.log)
      return bus
    } catch (err: unknown) {
      throw connectError(url, err)
    }
  }

  async ensureStream(spec: StreamSpec): Promise<void> {
    const jsm = await this.#manager()
    const limited = withLimits(spec, this.#limits)
    try {
      await ensureNatsStream(jsm, limited, this.#limits?.replicas)
      this.#streams.set(spec.name, spec.subjects)
    } catch (err: unknown) {
      throw unavailable(`ensure stream ${spec.name}`, err)
    }
  }

  async streamUsage(name: string): Promise<StreamUsage | null> {
    const jsm = await this.#manager()
    try {
      return await natsStreamUsage(jsm, name)
    } catch (err: unknown) {
      throw unavailable(`stream info ${name}`, err)
    }
  }

  async purgeAcked(stream: string, durable: string, subject: string): Promise<number> {
    const jsm = await this.#manager()
    try {
      return await natsPurgeAcked(jsm, stream, durable, subject)
    } catch (err: unknown) {
      throw unavailable(`purge acknowledged ${subject} of ${stream}`, err)
    }
  }

  async purgeAckedByAll(stream: string, durables: readonly string[]): Promise<number> {
    const jsm = await this.#manager()
    return natsPurgeAckedByAll(jsm, stream, durables).catch((e: unknown) => {
      throw unavailable(`purge acknowledged signals of ${stream}`, e)
    })
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
          if (err instanceof Error && err.name === 'JetStreamNotEnabled') {
            const what = `no stream captures ${m.subject} (or JetStream is off)`
            throw new BusUnavailableError(what, { cause: err })
          }
          throw publishError(m.subject, this.#streamOf(m.subject), err)
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
      return await openNatsKv(this.#nc, jsm, bucket, ttlMs, this.#limits?.replicas)
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

  #streamOf(subject: string): string | undefined {
    for (const [name, subjects] of this.#streams) {
      if (subjects.some((p) => subjectMatches(p, subject))) return name
    }
    return undefined
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

  #assertOpen(): void {
    if (this.#closed || this.#nc.isClosed()) throw new BusUnavailableError('bus closed')
  }
}
