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

/** The probe server could not listen (address in use, not permitted, not an address). */
export class ProbeListenError extends Error {
  override readonly name = 'ProbeListenError'
  readonly addr: string
  constructor(addr: string, cause: unknown) {
    const code = (cause as { code?: unknown } | null)?.code
    const why = code === 'EADDRINUSE' ? 'address already in use' : String(code ?? cause)
    super(
      `cannot listen on ${addr} for /metrics, /healthz and /readyz (${why}): ` +
        'set LUNETTES_METRICS_ADDR to a free host:port, or to empty to disable the probe server',
      { cause },
    )
    this.addr = addr
  }
}

/** Health before the host has started: alive, not ready. */
export const STARTING: Health = { ready: false, live: true, lastLeaseRoundMs: null }

/**
 * `serveProbes`, resolved once it listens: rejects with ProbeListenError (naming the address and
 * `LUNETTES_METRICS_ADDR`) when it cannot, so a host fails before it takes any lease. A later
 * server error is reported to `onError` instead of crashing the process.
 */
export function listenProbes(
  addr: string,
  registry: Registry,
  health: () => Health,
  onError: (err: unknown) => void = () => {},
  metricsToken?: string,
): Promise<Server> {
  const port = Number(addr.slice(addr.lastIndexOf(':') + 1))
  if (!addr.includes(':') || !Number.isInteger(port) || port < 0 || port > 65_535) {
    return Promise.reject(new ProbeListenError(addr, 'not host:port'))
  }
  const server = serveProbes(addr, registry, health, metricsToken)
  return new Promise<Server>((resolve, reject) => {
    const failed = (err: unknown) => {
      server.close()
      reject(new ProbeListenError(addr, err))
    }
    server.once('error', failed)
    server.once('listening', () => {
      server.off('error', failed)
      server.on('error', onError)
      resolve(server)
    })
  })
}
