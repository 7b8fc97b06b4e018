import type { LoadLimits } from './limits.ts'
import type { HttpLimits } from './server-timeouts.ts'

type Env = Readonly<Record<string, string | undefined>>

/** Upper bounds the issue sets: a slow client never holds a connection longer than these. */
const MAX_HEADERS_TIMEOUT_MS = 10_000
const MAX_REQUEST_TIMEOUT_MS = 60_000
/** Fewer in-flight webhook batches than this would refuse several API servers posting at once. */
const MIN_WEBHOOK_INFLIGHT = 16

/** An integer variable in [min, max], or undefined when unset; throws naming the variable. */
function int(env: Env, name: string, min: number, max: number): number | undefined {
  const raw = env[name]
  if (raw === undefined || raw === '') return undefined
  const n = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new RangeError(
      `${name}: expected an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`,
    )
  }
  return n
}

/** A non-negative number variable, or undefined when unset; throws naming the variable. */
function rate(env: Env, name: string): number | undefined {
  const raw = env[name]
  if (raw === undefined || raw === '') return undefined
  const n = /^\d+(\.\d+)?$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN
  if (!Number.isFinite(n) || n > 1_000_000) {
    throw new RangeError(
      `${name}: expected requests per second (0 turns the limit off), got ${JSON.stringify(raw)}`,
    )
  }
  return n
}

function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, x]) => x !== undefined)) as T
}

/**
 * Reads the HTTP server limits: `LUNETTES_HTTP_HEADERS_TIMEOUT` (ms, ≤ 10000, default 10000),
 * `LUNETTES_HTTP_REQUEST_TIMEOUT` (ms, ≤ 60000, default 60000, not below the header timeout),
 * `LUNETTES_HTTP_MAX_CONNECTIONS` (default 1024; probes get 32 more). Throws naming the variable.
 */
export function httpLimitsFromEnv(env: Env): HttpLimits {
  const headersTimeoutMs = int(env, 'LUNETTES_HTTP_HEADERS_TIMEOUT', 1, MAX_HEADERS_TIMEOUT_MS)
  const requestTimeoutMs = int(env, 'LUNETTES_HTTP_REQUEST_TIMEOUT', 1, MAX_REQUEST_TIMEOUT_MS)
  if ((headersTimeoutMs ?? MAX_HEADERS_TIMEOUT_MS) > (requestTimeoutMs ?? MAX_REQUEST_TIMEOUT_MS)) {
    throw new RangeError(
      'LUNETTES_HTTP_REQUEST_TIMEOUT: must not be below LUNETTES_HTTP_HEADERS_TIMEOUT (default 10000)',
    )
  }
  const maxConnections = int(env, 'LUNETTES_HTTP_MAX_CONNECTIONS', 1, 1_000_000)
  return defined({ headersTimeoutMs, requestTimeoutMs, maxConnections })
}

/**
 * Reads the load limits: `LUNETTES_WEBHOOK_MAX_INFLIGHT` (batches at once, ≥ 16, default 32),
 * `LUNETTES_QUERY_MAX_INFLIGHT` (default 64), `LUNETTES_QUERY_RATE` (queries per second per
 * client, default 50, burst twice that; 0 turns it off). Throws naming the variable.
 */
export function loadLimitsFromEnv(env: Env): LoadLimits {
  return defined({
    webhookMaxInflight: int(env, 'LUNETTES_WEBHOOK_MAX_INFLIGHT', MIN_WEBHOOK_INFLIGHT, 100_000),
    queryMaxInflight: int(env, 'LUNETTES_QUERY_MAX_INFLIGHT', 1, 100_000),
    queryRate: rate(env, 'LUNETTES_QUERY_RATE'),
  })
}
