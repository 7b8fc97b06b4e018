import type { Context, MiddlewareHandler } from 'hono'
import { httpError } from './errors.ts'
import type { GatewayEnv } from './ports.ts'

/** How the webhook authenticates its caller; every configured mechanism must pass. */
export interface WebhookAuthOptions {
  /** Expected bearer token (`LUNETTES_WEBHOOK_TOKEN`); absent: no token required. */
  readonly token?: string | undefined
  /** Require a client certificate the server's client CA verified (mTLS). */
  readonly requireClientCert?: boolean | undefined
  /**
   * With `requireClientCert`: the certificate's subject CN or one of its SAN values must be one
   * of these (`LUNETTES_CLIENT_NAMES`), so another certificate of the same CA is refused.
   */
  readonly clientNames?: readonly string[] | undefined
}

const encoder = new TextEncoder()

/** SHA-256 of `text`. */
export async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(text)))
}

/**
 * Whether `candidate` hashes to `expectedDigest` (SHA-256), compared in constant time: hashing
 * first makes both sides 32 bytes (so the secret's length does not leak either), then every byte
 * is compared without an early exit.
 */
export async function matchesDigest(
  candidate: string,
  expectedDigest: Uint8Array,
): Promise<boolean> {
  return sameDigest(await sha256(candidate), expectedDigest)
}

/** Constant-time comparison of two digests. */
export function sameDigest(a: Uint8Array, b: Uint8Array): boolean {
  let diff = a.length ^ b.length
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0)
  return diff === 0
}

/**
 * The index of the digest in `digests` that `candidate` matches, or -1. Every digest is compared
 * (no early exit), so timing does not tell which one matched.
 */
export async function matchIndex(candidate: string, digests: readonly Uint8Array[]) {
  const got = await sha256(candidate)
  let found = -1
  digests.forEach((d, i) => {
    if (sameDigest(got, d) && found === -1) found = i
  })
  return found
}

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i

/** The bearer token of the request, or undefined (absent or not a Bearer header). */
export function bearerOf(c: Context<GatewayEnv>): string | undefined {
  const header = c.req.header('authorization')
  const match = header === undefined ? null : BEARER.exec(header)
  return match?.[1] || undefined
}

/** 401 with `WWW-Authenticate: Bearer`. */
export function unauthorized(message = 'bearer token required') {
  return httpError(401, 'Unauthorized', message, { 'www-authenticate': 'Bearer realm="lunettes"' })
}

/**
 * The names a client certificate answers to: its subject CN(s) and every SAN value (`DNS:`,
 * `IP Address:`, `URI:`, `email:` prefixes removed), as Node's `getPeerCertificate()` reports
 * them (`subject.CN` and `subjectaltname`).
 */
export function certificateNames(
  cn: string | readonly string[] | undefined,
  subjectAltName: string | undefined,
): string[] {
  const names = typeof cn === 'string' ? [cn] : [...(cn ?? [])]
  for (const part of (subjectAltName ?? '').split(', ')) {
    const i = part.indexOf(':')
    if (i > 0 && i < part.length - 1) names.push(part.slice(i + 1))
  }
  return names
}

/**
 * Webhook authentication: with `requireClientCert`, a verified client certificate (else 403)
 * whose CN or SAN is in `clientNames` (else 403); with `token`, `Authorization: Bearer <token>`
 * (missing → 401 with `WWW-Authenticate: Bearer`, wrong → 403). The token is never logged or
 * echoed; the caller is recorded as `webhook:cert:<name>` or `webhook:token`.
 */
export function webhookAuth({
  token,
  requireClientCert = false,
  clientNames,
}: WebhookAuthOptions): MiddlewareHandler<GatewayEnv> {
  const expected = token === undefined ? undefined : sha256(token)
  const allowed = new Set(clientNames ?? [])
  return async function webhookAuth(c, next) {
    let caller = 'webhook:token'
    if (requireClientCert) {
      if (c.env?.clientCertAuthorized !== true) {
        throw httpError(
          403,
          'Forbidden',
          'a client certificate signed by the configured CA is required',
        )
      }
      const name = (c.env.clientCertNames ?? []).find((n) => allowed.has(n))
      if (name === undefined) {
        throw httpError(403, 'Forbidden', 'this client certificate is not allowed')
      }
      caller = `webhook:cert:${name}`
    }
    if (expected !== undefined) {
      const presented = bearerOf(c)
      if (presented === undefined) throw unauthorized()
      if (!(await matchesDigest(presented, await expected))) {
        throw httpError(403, 'Forbidden', 'invalid bearer token')
      }
    }
    c.set('caller', caller)
    await next()
  }
}

/**
 * `/metrics` with `LUNETTES_METRICS_TOKEN`: `Authorization: Bearer <token>` or 401 (missing or
 * wrong: a scraper has nothing to learn from the difference). Absent token: open.
 */
export function metricsAuth(token: string | undefined): MiddlewareHandler<GatewayEnv> {
  const expected = token === undefined ? undefined : sha256(token)
  return async function metricsAuth(c, next) {
    if (expected !== undefined) {
      const presented = bearerOf(c)
      if (presented === undefined || !(await matchesDigest(presented, await expected))) {
        throw unauthorized('metrics token required')
      }
      c.set('caller', 'metrics:token')
    }
    await next()
  }
}
