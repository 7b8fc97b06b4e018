import type { MiddlewareHandler } from 'hono'
import { secureHeaders } from 'hono/secure-headers'
import type { GatewayEnv } from './ports.ts'

/**
 * The CSP of every response: everything from our own origin only, no inline scripts or styles,
 * no plugins, no framing, no `<base>` or form targets elsewhere. The UI ships its scripts and
 * styles as files, so it runs under this policy unchanged.
 */
export const CONTENT_SECURITY_POLICY = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  objectSrc: ["'none'"],
  frameAncestors: ["'none'"],
  baseUri: ["'self'"],
  formAction: ["'self'"],
}

/**
 * Security headers on every response (Hono's secure-headers): `X-Content-Type-Options: nosniff`,
 * `X-Frame-Options: DENY`, the strict CSP above, no referrer, HSTS; plus
 * `Cache-Control: no-store` on the query API, whose answers are per caller and often sensitive.
 */
export function securityHeaders(): MiddlewareHandler<GatewayEnv> {
  const headers = secureHeaders({
    contentSecurityPolicy: CONTENT_SECURITY_POLICY,
    xFrameOptions: 'DENY',
    referrerPolicy: 'no-referrer',
  })
  return async function securityHeaders(c, next) {
    await headers(c, async () => {
      await next()
      if (c.req.path.startsWith('/api/')) c.res.headers.set('cache-control', 'no-store')
    })
  }
}
