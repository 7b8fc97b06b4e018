import type { Context, MiddlewareHandler } from 'hono'
import { Counter, type Registry } from 'prom-client'
import { errorResponse } from './errors.ts'
import type { GatewayEnv } from './ports.ts'

/** Default bound on webhook batches handled at once (several API servers posting together). */
export const DEFAULT_WEBHOOK_MAX_INFLIGHT = 32
/** Default bound on queries handled at once. */
export const DEFAULT_QUERY_MAX_INFLIGHT = 64
/** Default query rate per client, requests per second (the burst is twice that). */
export const DEFAULT_QUERY_RATE = 50
/** Seconds a client refused for load should wait before retrying. */
export const OVERLOAD_RETRY_AFTER_SECONDS = 1
/** Rate-limit buckets kept at most; full (idle) buckets are forgotten first. */
const MAX_CLIENTS = 10_000

/** Why a request was refused before any work was done. */
export type RefuseReason = 'inflight' | 'rate' | 'connections'

/** The gateway's load limits (`LUNETTES_WEBHOOK_MAX_INFLIGHT`, `…_QUERY_MAX_INFLIGHT`, `…_QUERY_RATE`). */
export interface LoadLimits {
  /** Webhook batches handled at once; more are answered 503 + Retry-After, unread. */
  readonly webhookMaxInflight?: number | undefined
  /** Queries handled at once; more are answered 503 + Retry-After. */
  readonly queryMaxInflight?: number | undefined
  /** Queries per second per client (token bucket, burst twice the rate); 0 turns it off. */
  readonly queryRate?: number | undefined
}

/** Counts refusals: `lunettes_http_refused_total{route,reason}`. */
export type RefusalCounter = (route: string, reason: RefuseReason) => void

/** Registers (or reuses) the refusal counter on `registry`; a no-op without one. */
export function refusalCounter(registry: Registry | undefined): RefusalCounter {
  if (!registry) return () => {}
  const name = 'lunettes_http_refused_total'
  const existing = registry.getSingleMetric(name)
  const counter =
    existing instanceof Counter
      ? existing
      : new Counter({
          name,
          help: 'HTTP requests refused for load before any work was done, by route and reason.',
          labelNames: ['route', 'reason'],
          registers: [registry],
        })
  return (route, reason) => counter.inc({ route, reason })
}

/** A 503 (overload) or 429 (rate) answer that tells the client when to come back. */
export function refusal(status: 429 | 503, message: string, retryAfterSeconds: number): Response {
  return errorResponse(status, status === 429 ? 'TooManyRequests' : 'Unavailable', message, {
    'retry-after': String(Math.max(1, Math.ceil(retryAfterSeconds))),
  })
}

/**
 * At most `max` requests through at once; the next ones are answered 503 + `Retry-After` without
 * being read, so a refused webhook batch was never published and the API server sends it again.
 */
export function inflightLimit(opts: {
  readonly max: number
  readonly route: string
  readonly refused: RefusalCounter
}): MiddlewareHandler<GatewayEnv> {
  const { max, route, refused } = opts
  let inflight = 0
  return async function inflightLimit(_c, next) {
    if (inflight >= max) {
      refused(route, 'inflight')
      return refusal(
        503,
        `the gateway is busy (${max} ${route} requests at once); retry later`,
        OVERLOAD_RETRY_AFTER_SECONDS,
      )
    }
    inflight++
    try {
      await next()
    } finally {
      inflight--
    }
    return undefined
  }
}

interface Bucket {
  tokens: number
  at: number
}

/** The client a rate limit applies to: the peer address (proxies are not trusted). */
export function remoteKey(c: Context<GatewayEnv>): string {
  return c.env?.remoteAddress ?? 'unknown'
}

/**
 * A token bucket per client (`key`): `rate` requests per second, bursts up to `burst`; past it,
 * 429 + `Retry-After` (seconds until a token is back). `now` is injected (epoch ms).
 */
export function rateLimit(opts: {
  readonly rate: number
  readonly burst?: number | undefined
  readonly route: string
  readonly refused: RefusalCounter
  readonly now: () => number
  readonly key?: ((c: Context<GatewayEnv>) => string) | undefined
}): MiddlewareHandler<GatewayEnv> {
  const { rate, route, refused, now } = opts
  const burst = opts.burst ?? Math.max(1, 2 * rate)
  const key = opts.key ?? remoteKey
  const buckets = new Map<string, Bucket>()
  const refill = (b: Bucket, t: number) => {
    b.tokens = Math.min(burst, b.tokens + ((t - b.at) / 1000) * rate)
    b.at = t
  }
  const forgetIdle = (t: number) => {
    for (const [k, b] of buckets) {
      refill(b, t)
      if (b.tokens >= burst) buckets.delete(k)
    }
    // Still full of active clients: drop the oldest entries (a fresh bucket is a full one).
    for (const k of buckets.keys()) {
      if (buckets.size < MAX_CLIENTS) break
      buckets.delete(k)
    }
  }
  return async function rateLimit(c, next) {
    const t = now()
    const k = key(c)
    let b = buckets.get(k)
    if (!b) {
      if (buckets.size >= MAX_CLIENTS) forgetIdle(t)
      b = { tokens: burst, at: t }
      buckets.set(k, b)
    } else refill(b, t)
    if (b.tokens < 1) {
      refused(route, 'rate')
      const wait = (1 - b.tokens) / rate
      return refusal(429, `too many ${route} requests; at most ${rate} per second`, wait)
    }
    b.tokens -= 1
    await next()
    return undefined
  }
}
