import type { MiddlewareHandler } from 'hono'
import type { GatewayEnv, GatewayLog } from './ports.ts'

/** Longest path logged; a hostile path is cut, never logged whole. */
const MAX_PATH = 256
/** Probes answered OK are not logged: the kubelet asks every few seconds. */
const PROBES = new Set(['/healthz', '/readyz'])

/**
 * The access log: one line per request with method, path (no query values: only the parameter
 * names, which carry no tenant data or secrets), status, duration and the caller identity the
 * auth middlewares recorded (`webhook:token`, `kube:<user>`, `anonymous`; never a credential).
 */
export function accessLog(
  log: GatewayLog,
  clock: () => number = () => performance.now(),
): MiddlewareHandler<GatewayEnv> {
  return async function accessLog(c, next) {
    const start = clock()
    try {
      await next()
    } finally {
      const status = c.res.status
      const path = c.req.path
      if (!(PROBES.has(path) && status < 400)) {
        const keys = [...new Set(new URL(c.req.url).searchParams.keys())].slice(0, 16)
        log.info(
          {
            method: c.req.method,
            path: path.length > MAX_PATH ? `${path.slice(0, MAX_PATH)}…` : path,
            ...(keys.length > 0 ? { query: keys.join(',').slice(0, MAX_PATH) } : {}),
            status,
            ms: Math.round((clock() - start) * 10) / 10,
            caller: c.get('caller') ?? 'anonymous',
          },
          'http request',
        )
      }
    }
  }
}
