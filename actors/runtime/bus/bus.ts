/**
 * The message bus the actor system runs on. Two implementations share this contract and one
 * contract test suite: NATS JetStream (`nats-bus.ts`) and the in-process embedded bus
 * (`embedded-bus.ts`), so `lunettes all` needs no server and production scales out unchanged.
 */

/** A durably stored message delivered by a consumer. */
export interface BusMessage {
  readonly subject: string
  readonly data: Uint8Array
  /** The publisher's dedupe id (`Nats-Msg-Id`), if one was given. */
  readonly msgId: string | undefined
  /** Stream sequence: strictly increasing per stream. */
  readonly seq: number
  /** How many times this message was delivered (1 on first delivery). */
  readonly deliveries: number
  /** When the stream stored the message (epoch ms, the bus's clock); for latency metrics only. */
  readonly storedMs?: number
  /** Acknowledge: the message will not be delivered again. */
  ack(): void
  /** Negative acknowledge: redeliver, after `delayMs` when given. */
  nak(delayMs?: number): void
}

/** One message to publish durably. */
export interface OutMessage {
  readonly subject: string
  readonly data: Uint8Array
  /** Dedupe id: a second publish with the same id within the stream's window is dropped. */
  readonly msgId?: string
}

/** A stream: subjects captured durably, with limits. */
export interface StreamSpec {
  readonly name: string
  readonly subjects: readonly string[]
  /** Maximum age of a message, ms. */
  readonly maxAgeMs: number
  /** Maximum stream size in bytes (-1: unlimited). */
  readonly maxBytes: number
  /** Publish dedupe window, ms. */
  readonly duplicateWindowMs: number
  /** Maximum number of messages (absent or -1: unlimited). */
  readonly maxMessages?: number
  /**
   * What a full stream does: `old` (default) drops its oldest messages, for a history such as
   * alerts; `new` refuses the publish with `BusFullError`, for work not yet done (signals), so
   * nothing unprocessed is ever discarded and the publisher can answer 503 and be retried.
   */
  readonly discard?: 'old' | 'new'
}

/**
 * Limits a bus gives the streams it creates whose spec leaves them open (`maxBytes: -1`), and the
 * replica count of every stream and KV bucket it creates (NATS cluster; the embedded bus has one).
 */
export interface StreamLimits {
  /** Byte cap of a stream that refuses when full (`discard: 'new'`: signals). */
  readonly maxBytes?: number
  /** Byte cap of a stream that drops its oldest when full (`discard: 'old'`: alerts). */
  readonly historyMaxBytes?: number
  /** Message cap of a stream that refuses when full (the embedded bus bounds its memory so). */
  readonly maxMessages?: number
  /** Replicas of each stream and KV bucket created (default 1). */
  readonly replicas?: number
}

/** The spec with the bus's limits filled in where the spec leaves them open. */
export function withLimits(spec: StreamSpec, limits: StreamLimits | undefined): StreamSpec {
  if (!limits) return spec
  const refusing = spec.discard === 'new'
  const bytes = refusing ? limits.maxBytes : limits.historyMaxBytes
  const open = (n: number | undefined) => n === undefined || n < 0
  return {
    ...spec,
    ...(open(spec.maxBytes) && bytes !== undefined ? { maxBytes: bytes } : {}),
    ...(refusing && open(spec.maxMessages) && limits.maxMessages !== undefined
      ? { maxMessages: limits.maxMessages }
      : {}),
  }
}

/** How full a stream is (`lunettes_stream_bytes`, `lunettes_stream_fill_ratio`). */
export interface StreamUsage {
  readonly bytes: number
  readonly messages: number
  /** The stream's byte cap (-1: none). */
  readonly maxBytes: number
  /** The stream's message cap (-1: none). */
  readonly maxMessages: number
}

/** A bus that can say how full its streams are, and free what was processed. */
export interface StreamStats {
  /** The stream's usage, or null when it does not exist (yet). */
  streamUsage(name: string): Promise<StreamUsage | null>
  /**
   * Removes the messages on `subject` the durable consumer has acknowledged; returns how many
   * went (0 when the stream or consumer does not exist, or the bus frees them by itself).
   */
  purgeAcked(stream: string, durable: string, subject: string): Promise<number>
  /**
   * Removes the messages every one of `durables` has acknowledged (stream sequence up to their
   * lowest ack floor), with no subject filter; nothing while one of them does not exist yet.
   * Prefer it for a stream whose subjects those consumers share out between them.
   */
  purgeAckedByAll?(stream: string, durables: readonly string[]): Promise<number>
}

/** A durable pull consumer on one subject of a stream, delivering in stream order. */
export interface ConsumerSpec {
  readonly stream: string
  readonly durable: string
  readonly filterSubject: string
  /** Unacked messages are redelivered after this long, ms. */
  readonly ackWaitMs: number
  /**
   * Deliveries after which a message that is still not acknowledged is not delivered again
   * (JetStream `max_deliver`); absent: no limit. Readers see the count as `BusMessage.deliveries`.
   */
  readonly maxDeliver?: number
  /**
   * Ack wait per delivery (JetStream `backoff`): delivery n is redelivered `backoffMs[n-1]` after
   * it went out (the last value repeats); absent: `ackWaitMs` every time. The first value should
   * equal `ackWaitMs`, and there must be fewer values than `maxDeliver`.
   */
  readonly backoffMs?: readonly number[]
}

/** A durable consumer being read. */
export interface Consumer {
  /**
   * The next messages in stream order, up to `max`: resolves as soon as at least one is available
   * (with all that are available then), or with none after `expiresMs`. Messages not acked within
   * the consumer's ack wait are delivered again, before newer ones.
   */
  fetch(max: number, expiresMs: number): Promise<BusMessage[]>
  /** Messages not yet acknowledged, delivered or not (consumer lag). */
  pending(): Promise<number>
  /** Stops reading; messages delivered but not acked come back to the next reader. */
  close(): Promise<void>
}

/** Why a request got no answer. */
export class NoRespondersError extends Error {
  override readonly name = 'NoRespondersError'
  readonly subject: string
  constructor(subject: string) {
    super(`no responders on ${subject}`)
    this.subject = subject
  }
}

export class RequestTimeoutError extends Error {
  override readonly name = 'RequestTimeoutError'
  readonly subject: string
  constructor(subject: string, timeoutMs: number) {
    super(`request on ${subject} timed out after ${timeoutMs} ms`)
    this.subject = subject
  }
}

/** Why the bus could not take an operation: away or misconfigured, or a stream is full. */
export type BusErrorCode = 'unavailable' | 'bus_full'

/**
 * The bus is unreachable or refused the operation (JetStream missing, stream full…). Callers
 * outside actors/ (the gateway) recognise it by `name` and answer 503 + `Retry-After`; `code`
 * tells why.
 */
export class BusUnavailableError extends Error {
  override readonly name: string = 'BusUnavailableError'
  readonly code: BusErrorCode = 'unavailable'
}

/**
 * A stream that refuses when full (`discard: 'new'`) is at its byte or message cap: the publish
 * was refused and nothing was dropped. It keeps the name `BusUnavailableError` on purpose, so every
 * caller that retries or answers 503 on an unavailable bus does so here too; tell it apart by
 * `code === 'bus_full'` (or `instanceof` inside actors/).
 */
export class BusFullError extends BusUnavailableError {
  override readonly code = 'bus_full'
  readonly stream: string
  constructor(stream: string, message: string, options?: ErrorOptions) {
    super(message, options)
    this.stream = stream
  }
}

/** A live subscription; `close()` stops delivery (and drains pending handlers). */
export interface Subscription {
  close(): Promise<void>
}

/** A key-value bucket with revisions and a TTL on every entry (leases, checkpoints). */
export interface KvBucket {
  /** Current value and revision, or null. */
  get(key: string): Promise<{ value: Uint8Array; revision: number } | null>
  /** Creates the key only if absent (or expired); returns its revision, or null if taken. */
  create(key: string, value: Uint8Array): Promise<number | null>
  /** Updates only if the revision still matches; returns the new revision, or null. */
  update(key: string, value: Uint8Array, revision: number): Promise<number | null>
  /** Unconditional write; returns the new revision. */
  put(key: string, value: Uint8Array): Promise<number>
  /** Deletes the key (only at `revision` when given). */
  delete(key: string, revision?: number): Promise<void>
}

/** One message of a stream read by `Bus.tail`. */
export interface TailMessage {
  readonly seq: number
  readonly subject: string
  readonly data: Uint8Array
}

/** Where a stream read starts: after a sequence, at a time (epoch ms), or with new messages. */
export type TailStart = { readonly afterSeq: number } | { readonly sinceMs: number } | 'new'

/** The bus as the runtime, the gateway and the collectors use it. */
export interface Bus {
  /** Creates or updates the stream idempotently; a clear error if the server lacks JetStream. */
  ensureStream(spec: StreamSpec): Promise<void>
  /** Creates the durable consumer if missing and returns a reader for it. */
  consumer(spec: ConsumerSpec): Promise<Consumer>
  /**
   * Publishes durably; resolves once the stream stored every message (or recognised it as a
   * duplicate). Rejects with BusUnavailableError when it cannot.
   */
  publish(messages: readonly OutMessage[]): Promise<void>
  /** Fire-and-forget core publish (alerts, replay watermarks); streams capturing it keep it. */
  emit(subject: string, data: Uint8Array): void
  /** Subscribes to a subject (wildcards `*`, `>`); handlers run one at a time per subscription. */
  subscribe(subject: string, handler: (subject: string, data: Uint8Array) => void): Subscription
  /** Request/reply; rejects with NoRespondersError or RequestTimeoutError. */
  request(subject: string, data: Uint8Array, timeoutMs: number): Promise<Uint8Array>
  /** Serves requests in a queue group: each request is answered by one member. */
  serve(
    subject: string,
    queue: string,
    handler: (data: Uint8Array) => Promise<Uint8Array>,
  ): Subscription
  /** Opens (creating if needed) a KV bucket whose entries expire after `ttlMs`. */
  kv(bucket: string, ttlMs: number): Promise<KvBucket>
  /** Flushes and closes. */
  close(): Promise<void>
  /**
   * Reads a stream from `start` without a durable consumer (NATS: an ordered ephemeral
   * consumer): every stored message on `subject` in sequence order, once, then new ones, until
   * the returned handle is closed. For live readers such as the gateway's alert stream.
   */
  tail?(
    stream: string,
    subject: string,
    start: TailStart,
    onMessage: (m: TailMessage) => void,
  ): Promise<Subscription>
}
