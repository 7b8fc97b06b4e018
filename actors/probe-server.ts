import { createServer, type Server } from 'node:http'
import type { Registry } from 'prom-client'

/** What the probes report (see `ActorHost.health`). */
export interface Health {
  ready: boolean
  live: boolean
  lastLeaseRoundMs: number | null
}

/**
 * The actor host's small HTTP server: `GET /metrics` (Prometheus text), `GET /healthz` (liveness:
 * 503 once lease rounds stopped completing, a wedged host to restart) and `GET /readyz` (503 until
 * the host has started). Bodies are JSON with the health fields. `addr` is `host:port`.
 */
export function serveProbes(addr: string, registry: Registry, health: () => Health): Server {
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
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (err: unknown) => res.writeHead(500).end(String(err)),
    )
  })
  server.listen(port, host)
  return server
}
