import { createHash, timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { Registry } from 'prom-client'

/** What the probes report (see `ActorHost.health`). */
export interface Health {
  ready: boolean
  live: boolean
  lastLeaseRoundMs: number | null
}

const digest = (text: string) => createHash('sha256').update(text).digest()

/** Whether the request carries `Authorization: Bearer <token>` (compared in constant time). */
function hasToken(req: IncomingMessage, expected: Buffer): boolean {
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(req.headers.authorization ?? '')
  return m?.[1] !== undefined && timingSafeEqual(digest(m[1]), expected)
}

/**
 * The actor host's small HTTP server: `GET /metrics` (Prometheus text), `GET /healthz` (liveness:
 * 503 once lease rounds stopped completing, a wedged host to restart) and `GET /readyz` (503 until
 * the host has started). Bodies are JSON with the health fields. `addr` is `host:port`. With
 * `metricsToken` (`LUNETTES_METRICS_TOKEN`), `/metrics` answers 401 without that bearer token;
 * the probes stay open (they tell only whether the host is up).
 */
export function serveProbes(
  addr: string,
  registry: Registry,
  health: () => Health,
  metricsToken?: string,
): Server {
  const expected = metricsToken === undefined ? undefined : digest(metricsToken)
  const i = addr.lastIndexOf(':')
  const host = addr.slice(0, i) || '0.0.0.0'
  const port = Number(addr.slice(i + 1))
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0]
    if (path === '/healthz' || path === '/readyz') {
      const h = health()
      const ok = path === '/healthz' ? h.live : h.ready
      res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' })
      res.end(JSON.stringify(h))
      return
    }
    if (path !== '/metrics') {
      res.writeHead(404).end()
      return
    }
    if (expected && !hasToken(req, expected)) {
      res.writeHead(401, { 'www-authenticate': 'Bearer realm="lunettes"' }).end()
      return
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      () => res.writeHead(500).end('metrics failed'),
    )
  })
  server.listen(port, host)
  return server
}
