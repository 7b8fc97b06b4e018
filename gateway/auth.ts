import type { MiddlewareHandler } from 'hono'
import { httpError } from './errors.ts'
import type { GatewayEnv } from './ports.ts'

/** How the webhook authenticates its caller; every configured mechanism must pass. */
export interface WebhookAuthOptions {
  /** Expected bearer token (`LUNETTES_WEBHOOK_TOKEN`); absent: no token required. */
  readonly token?: string | undefined
  /** Require a client certificate the server's client CA verified (mTLS). */
  readonly requireClientCert?: boolean | undefined
}

const encoder = new TextEncoder()

async function sha256(text: string): Promise<Uint8Array> {
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
  const got = await sha256(candidate)
  let diff = got.length ^ expectedDigest.length
  for (let i = 0; i < got.length; i++) diff |= (got[i] ?? 0) ^ (expectedDigest[i] ?? 0)
  return diff === 0
}

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i

/**
 * Webhook authentication: with `requireClientCert`, a verified client certificate (else 403);
 * with `token`, `Authorization: Bearer <token>` (missing → 401 with `WWW-Authenticate: Bearer`,
 * wrong → 403). The token is never logged or echoed.
 */
export function webhookAuth({
  token,
  requireClientCert = false,
}: WebhookAuthOptions): MiddlewareHandler<GatewayEnv> {
  const expected = token === undefined ? undefined : sha256(token)
  return async function webhookAuth(c, next) {
    if (requireClientCert && c.env?.clientCertAuthorized !== true) {
      throw httpError(
        403,
        'Forbidden',
        'a client certificate signed by the configured CA is required',
      )
    }
    if (expected !== undefined) {
      const header = c.req.header('authorization')
      const match = header === undefined ? null : BEARER.exec(header)
      if (!match?.[1]) {
        throw httpError(401, 'Unauthorized', 'bearer token required', {
          'www-authenticate': 'Bearer realm="lunettes"',
        })
      }
      if (!(await matchesDigest(match[1], await expected))) {
        throw httpError(403, 'Forbidden', 'invalid bearer token')
      }
    }
    await next()
  }
}
