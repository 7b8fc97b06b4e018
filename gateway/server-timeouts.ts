import type { Server, ServerOptions } from 'node:http'
import type { Socket } from 'node:net'

/** Default time a client has to send its request headers (`LUNETTES_HTTP_HEADERS_TIMEOUT`), ms. */
export const DEFAULT_HEADERS_TIMEOUT_MS = 10_000
/** Default time a client has to send its whole request (`LUNETTES_HTTP_REQUEST_TIMEOUT`), ms. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000
/** Default idle time of a kept-alive connection between requests, ms. */
export const DEFAULT_KEEP_ALIVE_TIMEOUT_MS = 5_000
/**
 * How often Node checks the header and request timeouts, ms. Node's default is 30 s, so a
 * 10 s header timeout would really be up to 40 s.
 */
export const DEFAULT_CHECK_INTERVAL_MS = 1_000
/** Default cap on open connections (`LUNETTES_HTTP_MAX_CONNECTIONS`), probes' reserve aside. */
export const DEFAULT_MAX_CONNECTIONS = 1024
/** Connections kept beyond the cap for probes and scrapes; other requests on them get a 503. */
export const DEFAULT_PROBE_RESERVE = 32

/** Paths still answered on connections past the cap: kubelet probes and Prometheus scrapes. */
export const PROBE_PATHS: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/metrics'])

/** How long clients may take and how many may be connected. Every field has a default. */
export interface HttpLimits {
  readonly headersTimeoutMs?: number | undefined
  readonly requestTimeoutMs?: number | undefined
  readonly keepAliveTimeoutMs?: number | undefined
  /** Node's `connectionsCheckingInterval`: small values in tests. */
  readonly checkIntervalMs?: number | undefined
  readonly maxConnections?: number | undefined
  readonly probeReserve?: number | undefined
}

/** The `http.createServer` options that carry the timeouts (HTTPS takes the same ones). */
export function timeoutOptions(limits: HttpLimits = {}): ServerOptions {
  const requestTimeout = limits.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS
  // Node refuses a header timeout above the request timeout.
  const headersTimeout = Math.min(
    limits.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS,
    requestTimeout,
  )
  return {
    headersTimeout,
    requestTimeout,
    keepAliveTimeout: limits.keepAliveTimeoutMs ?? DEFAULT_KEEP_ALIVE_TIMEOUT_MS,
    connectionsCheckingInterval: limits.checkIntervalMs ?? DEFAULT_CHECK_INTERVAL_MS,
  }
}

/** Open connections of a server, against its cap. */
export interface ConnectionGauge {
  /** Connections open now. */
  readonly open: number
  /** Whether the cap is passed: only probe paths are answered then. */
  overCap(): boolean
}

/**
 * Applies the timeouts Node reads from properties (keep-alive) and caps connections: up to
 * `maxConnections` serve everything; `probeReserve` more are accepted so probes and scrapes still
 * get through under load (the caller answers other paths on them 503); past both, Node closes new
 * sockets at once (`server.maxConnections`).
 */
export function limitConnections(server: Server, limits: HttpLimits = {}): ConnectionGauge {
  const max = limits.maxConnections ?? DEFAULT_MAX_CONNECTIONS
  const reserve = limits.probeReserve ?? DEFAULT_PROBE_RESERVE
  server.keepAliveTimeout = limits.keepAliveTimeoutMs ?? DEFAULT_KEEP_ALIVE_TIMEOUT_MS
  server.maxConnections = max + reserve
  let open = 0
  server.on('connection', (socket: Socket) => {
    open++
    socket.once('close', () => {
      open--
    })
  })
  return {
    get open() {
      return open
    },
    overCap: () => open > max,
  }
}
