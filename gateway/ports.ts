/**
 * What the gateway needs from the outside world, as small structural interfaces: the actors' Bus
 * satisfies `GatewayBus` as it is, and pino satisfies `GatewayLog`. The gateway never imports
 * actors/ (they talk over the bus), so bus failures are recognised by the error's `name`.
 */

/** One message to publish durably; `msgId` is the dedupe id (`Nats-Msg-Id`). */
export interface GatewayMessage {
  readonly subject: string
  readonly data: Uint8Array
  readonly msgId?: string
}

/** One message of a stream read by `GatewayBus.tail`. */
export interface TailMessage {
  /** Stream sequence: strictly increasing, the position a reader resumes after. */
  readonly seq: number
  readonly subject: string
  readonly data: Uint8Array
}

/** Where a stream read starts: after a sequence, at a time (epoch ms), or with new messages. */
export type TailStart = { readonly afterSeq: number } | { readonly sinceMs: number } | 'new'

/** A stream being read; `close()` stops delivery. */
export interface StreamTail {
  close(): Promise<void>
}

/** The slice of the bus the gateway uses. */
export interface GatewayBus {
  /**
   * Resolves once the stream stored every message (or recognised it as a duplicate); rejects
   * with an error named `BusUnavailableError` when it cannot.
   */
  publish(messages: readonly GatewayMessage[]): Promise<void>
  /** Request/reply; rejects with errors named `NoRespondersError` or `RequestTimeoutError`. */
  request(subject: string, data: Uint8Array, timeoutMs: number): Promise<Uint8Array>
  /**
   * The largest message the bus takes, bytes (headers included): NATS' `info.max_payload` of the
   * current connection. Absent or undefined: the NATS default, 1 MiB.
   */
  maxPayload?(): number | undefined
  /**
   * Reads stream `stream` from `start`: every stored message on `subject` (wildcards allowed),
   * in sequence order, each once, then new ones as they are stored, until closed (a JetStream
   * ordered ephemeral consumer). Rejects with `BusUnavailableError` when the stream cannot be
   * read. Absent: the bus cannot stream (the alert stream answers 503).
   */
  tail?(
    stream: string,
    subject: string,
    start: TailStart,
    onMessage: (m: TailMessage) => void,
  ): Promise<StreamTail>
}

/** Structured logger (pino-compatible subset). */
export interface GatewayLog {
  info(obj: object, msg: string): void
  warn(obj: object, msg: string): void
  error(obj: object, msg: string): void
}

/** Names of the bus errors the gateway maps to HTTP answers. */
export const BUS_ERRORS = {
  unavailable: 'BusUnavailableError',
  noResponders: 'NoRespondersError',
  timeout: 'RequestTimeoutError',
} as const

/** Whether `err` is an Error whose `name` is `name` (bus errors cross no import boundary). */
export function isNamedError(err: unknown, name: string): err is Error {
  return err instanceof Error && err.name === name
}

/**
 * Per-request facts the server adapter passes to the app as Hono bindings (`c.env`):
 * `clientCertAuthorized` is true when the TLS socket carries a client certificate the configured
 * CA verified. `app.request(path, init, { clientCertAuthorized: true })` sets it in tests.
 */
export interface GatewayBindings {
  readonly clientCertAuthorized?: boolean
  /** The verified client certificate's subject CN and SAN values (mTLS allow-list). */
  readonly clientCertNames?: readonly string[]
  /** The peer's IP address (the per-client rate limit's key when no identity is known). */
  readonly remoteAddress?: string | undefined
}

/**
 * Per-request values the auth middlewares set: `caller` (an identity for the access log, never a
 * secret) and `namespaces` (what the caller may read: null for everything).
 */
export interface GatewayVariables {
  caller?: string
  namespaces?: readonly string[] | null
}

/** The Hono environment of every gateway app and route. */
export interface GatewayEnv {
  Bindings: GatewayBindings
  Variables: GatewayVariables
}
