import {
  type Bus,
  BusUnavailableError,
  type Consumer,
  type ConsumerSpec,
  type KvBucket,
  NoRespondersError,
  type OutMessage,
  RequestTimeoutError,
  type StreamLimits,
  type StreamSpec,
  type StreamStats,
  type StreamUsage,
  type Subscription,
  type TailMessage,
  type TailStart,
  withLimits,
} from './bus.ts'
import { EmbeddedKv } from './embedded-kv.ts'
import { bytesOf, localValue } from './embedded-local.ts'
import { checkSubject, overlapsAny } from './embedded-match.ts'
import { EmbeddedRoutes, MEMO_SUBJECTS, type Reply, type Route } from './embedded-routes.ts'
import { EmbeddedStream } from './embedded-stream.ts'
import { embeddedTail } from './embedded-stream-tail.ts'

/** Options of the in-process bus. */
export interface EmbeddedBusOptions {
  /** Clock for stream ages, dedupe windows, ack deadlines and KV TTLs (default `Date.now`). */
  readonly now?: () => number
  /** Where handler failures are reported (a throwing handler never stops delivery). */
  readonly log?: { warn(o: object, m: string): void }
  /** Streams drop a message once every consumer reading it acknowledged it (see EmbeddedStream). */
  readonly dropAcked?: boolean
  /**
   * Limits of the streams created where their spec leaves them open (see `withLimits`): with
   * `dropAcked`, what a `discard: 'new'` stream holds is the signals not yet processed, so its
   * caps bound the memory they take, and a full stream refuses publishes.
   */
  readonly limits?: StreamLimits
}

const BUCKET_NAME = /^[-\w]+$/

/**
 * The bus in one process, for `lunettes all` and tests: the semantics of NATS core and JetStream
 * (stream capture, dedupe, limits, durable pull consumers with ack/redelivery, queue groups, KV
 * with revisions and TTL) without a server. Handlers always run on a later tick, never inside the
 * publishing call.
 */
export class EmbeddedBus implements Bus, StreamStats {
  readonly #now: () => number
  readonly #log: { warn(o: object, m: string): void } | undefined
  readonly #streams = new Map<string, EmbeddedStream>()
  readonly #buckets = new Map<string, EmbeddedKv>()
  readonly #routes = new EmbeddedRoutes()
  readonly #subscriptions = new Set<Subscription>()
  readonly #requests = new Set<() => void>()
  #closed = false
  /** Per published subject (checked valid): the streams capturing it; reset when streams change. */
  readonly #captures = new Map<string, EmbeddedStream[]>()

  readonly #dropAcked: boolean
  readonly #limits: StreamLimits | undefined

  constructor({ now = Date.now, log, dropAcked = false, limits }: EmbeddedBusOptions = {}) {
    this.#dropAcked = dropAcked
    this.#limits = limits
    this.#now = now
    this.#log = log
  }

  async ensureStream(asked: StreamSpec): Promise<void> {
    this.#assertOpen()
    const spec = withLimits(asked, this.#limits)
    for (const subject of spec.subjects) checkSubject(subject, true)
    for (const other of this.#streams.values()) {
      if (other === this.#streams.get(spec.name)) continue
      const overlap = spec.subjects.find((s) => overlapsAny(s, other.patterns))
      if (overlap !== undefined) {
        throw new BusUnavailableError(
          `stream ${spec.name}: subject ${overlap} overlaps another stream`,
        )
      }
    }
    const existing = this.#streams.get(spec.name)
    if (existing) existing.configure(spec)
    else this.#streams.set(spec.name, new EmbeddedStream(spec, this.#now, this.#dropAcked))
    this.#captures.clear()
  }

  async streamUsage(name: string): Promise<StreamUsage | null> {
    this.#assertOpen()
    return this.#streams.get(name)?.usage() ?? null
  }

  /** Only a `dropAcked` bus frees acknowledged messages, by itself: nothing to purge here. */
  async purgeAcked(): Promise<number> {
    this.#assertOpen()
    return 0
  }

  async consumer(spec: ConsumerSpec): Promise<Consumer> {
    this.#assertOpen()
    checkSubject(spec.filterSubject, true)
    const stream = this.#streams.get(spec.stream)
    if (!stream) throw new BusUnavailableError(`stream ${spec.stream} not found`)
    return stream.consumer(spec)
  }

  async publish(messages: readonly OutMessage[]): Promise<void> {
    this.#assertOpen()
    const targets = messages.map((m) => {
      const streams = this.#capturing(m.subject)
      if (streams.length === 0) throw new BusUnavailableError(`no stream captures ${m.subject}`)
      return streams
    })
    messages.forEach((m, i) => {
      const value = localValue(m)
      const data = bytesOf(m)
      for (const stream of targets[i] ?? []) stream.store(m.subject, data, m.msgId, value)
      if (this.#routes.listened(m.subject)) this.#route(m.subject, m.data, undefined)
    })
  }

  emit(subject: string, data: Uint8Array): void {
    this.#assertOpen()
    for (const stream of this.#capturing(subject)) {
      try {
        stream.store(subject, data, undefined)
      } catch (err: unknown) {
        this.#log?.warn({ err, subject }, 'emitted message not stored')
      }
    }
    this.#route(subject, data, undefined)
  }

  subscribe(subject: string, handler: (subject: string, data: Uint8Array) => void): Subscription {
    this.#assertOpen()
    checkSubject(subject, true)
    const queue: [string, Uint8Array][] = []
    let scheduled = false
    let drained: (() => void) | undefined
    const pump = () => {
      scheduled = false
      for (let next = queue.shift(); next; next = queue.shift()) {
        try {
          handler(next[0], next[1])
        } catch (err: unknown) {
          this.#log?.warn({ err, subject: next[0] }, 'subscription handler failed')
        }
      }
      drained?.()
    }
    const route: Route = {
      pattern: subject,
      queue: undefined,
      deliver: (s, data) => {
        queue.push([s, data.slice()])
        if (!scheduled) {
          scheduled = true
          setImmediate(pump)
        }
      },
    }
    return this.#register(route, async () => {
      if (queue.length > 0) await new Promise<void>((resolve) => (drained = resolve))
    })
  }

  async request(subject: string, data: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
    this.#assertOpen()
    checkSubject(subject, false)
    return new Promise<Uint8Array>((resolve, reject) => {
      let done = false
      const finish = (settle: () => void) => {
        if (done) return
        done = true
        clearTimeout(timer)
        this.#requests.delete(cancel)
        settle()
      }
      const timer = setTimeout(
        () => finish(() => reject(new RequestTimeoutError(subject, timeoutMs))),
        timeoutMs,
      )
      const cancel = () => finish(() => reject(new BusUnavailableError('bus closed')))
      this.#requests.add(cancel)
      const reply = (answer: Uint8Array) => finish(() => resolve(answer.slice()))
      if (!this.#route(subject, data, reply)) {
        finish(() => reject(new NoRespondersError(subject)))
      }
    })
  }

  serve(
    subject: string,
    queue: string,
    handler: (data: Uint8Array) => Promise<Uint8Array>,
  ): Subscription {
    this.#assertOpen()
    checkSubject(subject, true)
    const running = new Set<Promise<void>>()
    const route: Route = {
      pattern: subject,
      queue,
      deliver: (s, data, reply) => {
        const copy = data.slice()
        const run = new Promise<void>((resolve) => setImmediate(resolve))
          .then(() => handler(copy))
          .then((answer) => reply?.(answer))
          .catch((err: unknown) => this.#log?.warn({ err, subject: s }, 'request handler failed'))
          .finally(() => running.delete(run))
        running.add(run)
      },
    }
    return this.#register(route, async () => {
      await Promise.all(running)
    })
  }

  async kv(bucket: string, ttlMs: number): Promise<KvBucket> {
    this.#assertOpen()
    if (!BUCKET_NAME.test(bucket)) throw new TypeError(`invalid bucket name ${bucket}`)
    const existing = this.#buckets.get(bucket)
    if (existing) {
      existing.ttlMs = ttlMs
      return existing
    }
    const created = new EmbeddedKv(ttlMs, this.#now, () => this.#assertOpen())
    this.#buckets.set(bucket, created)
    return created
  }

  async tail(
    stream: string,
    subject: string,
    start: TailStart,
    onMessage: (m: TailMessage) => void,
  ): Promise<Subscription> {
    this.#assertOpen()
    checkSubject(subject, true)
    const s = this.#streams.get(stream)
    if (!s) throw new BusUnavailableError(`stream ${stream} not found`)
    return embeddedTail(s, (p, wake) => this.subscribe(p, wake), subject, start, onMessage)
  }

  async close(): Promise<void> {
    if (this.#closed) return
    await Promise.all([...this.#subscriptions].map((s) => s.close()))
    this.#closed = true
    for (const stream of this.#streams.values()) stream.close()
    for (const cancel of [...this.#requests]) cancel()
  }

  /** The streams capturing a (checked) published subject, remembered per subject. */
  #capturing(subject: string): EmbeddedStream[] {
    let streams = this.#captures.get(subject)
    if (streams) return streams
    checkSubject(subject, false)
    streams = [...this.#streams.values()].filter((s) => s.captures(subject))
    if (this.#captures.size >= MEMO_SUBJECTS) this.#captures.clear()
    this.#captures.set(subject, streams)
    return streams
  }

  #register(route: Route, drain: () => Promise<void>): Subscription {
    this.#routes.add(route)
    let closing: Promise<void> | undefined
    const subscription: Subscription = {
      close: () => {
        closing ??= (async () => {
          this.#routes.delete(route)
          await drain()
          this.#subscriptions.delete(subscription)
        })()
        return closing
      },
    }
    this.#subscriptions.add(subscription)
    return subscription
  }

  #route(subject: string, data: Uint8Array, reply: Reply | undefined): boolean {
    return this.#routes.route(subject, data, reply)
  }

  #assertOpen(): void {
    if (this.#closed) throw new BusUnavailableError('bus closed')
  }
}
