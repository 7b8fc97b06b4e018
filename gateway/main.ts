import { readFile } from 'node:fs/promises'
import type { IncomingMessage, Server } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { TLSSocket } from 'node:tls'
import { type HttpBindings, serve } from '@hono/node-server'
import { decideExposure } from '../config/exposure.ts'
import { type AppDeps, createApp } from './app.ts'
import { certificateNames } from './auth.ts'
import { DEFAULT_HTTP_PORT, gatewaySecurityFromEnv, gatewaySurfaces } from './auth-config.ts'
import { type LoadLimits, OVERLOAD_RETRY_AFTER_SECONDS, refusal, refusalCounter } from './limits.ts'
import { httpLimitsFromEnv, loadLimitsFromEnv } from './limits-env.ts'
import type { GatewayBindings } from './ports.ts'
import { DEFAULT_MAX_BODY_BYTES } from './read-body.ts'
import type { WebhookOptions } from './routes/webhook.ts'
import {
  type ConnectionGauge,
  type HttpLimits,
  limitConnections,
  PROBE_PATHS,
  timeoutOptions,
} from './server-timeouts.ts'

/**
 * Default listen address (`LUNETTES_HTTP_ADDR`) without authentication; with every surface
 * authenticated it is `0.0.0.0:8080` (config/exposure.ts).
 */
export const DEFAULT_HTTP_ADDR = `127.0.0.1:${DEFAULT_HTTP_PORT}`

/** PEM files for HTTPS; with `caFile`, clients may present certificates signed by that CA. */
export interface TlsFiles {
  readonly certFile: string
  readonly keyFile: string
  readonly caFile?: string | undefined
}

/** PEM contents for HTTPS. */
export interface TlsPem {
  readonly cert: string | Buffer
  readonly key: string | Buffer
  readonly ca?: string | Buffer | undefined
}

/** The gateway's settings from the environment (see `gatewayConfigFromEnv`). */
export interface GatewaySettings {
  /** `host:port` to listen on. */
  readonly addr: string
  readonly webhook: WebhookOptions
  readonly api?: AppDeps['api']
  readonly metricsToken?: string | undefined
  readonly insecure?: boolean | undefined
  readonly tls?: TlsFiles | undefined
  /** Server timeouts and the connection cap. */
  readonly http: HttpLimits
  /** In-flight bounds and the per-client query rate. */
  readonly limits: LoadLimits
}

/** Options of `startGateway`: the app's dependencies plus where and how to listen. */
export interface StartGatewayOptions extends AppDeps {
  /** `host:port`, `:port` or `[v6]:port`; port 0 picks a free one. */
  readonly addr: string
  /** HTTPS (and mTLS when a client CA is given); absent: plain HTTP. */
  readonly tls?: TlsFiles | TlsPem | undefined
  /** `LUNETTES_INSECURE=true`: unauthenticated surfaces may listen on a non-loopback address. */
  readonly insecure?: boolean | undefined
  /** Header/request/keep-alive timeouts and the connection cap (defaults in server-timeouts.ts). */
  readonly http?: HttpLimits | undefined
}

/** A listening gateway. */
export interface RunningGateway {
  /** The port actually bound (useful with port 0). */
  readonly port: number
  /** Stops accepting, closes open connections and waits for the server to end. */
  close(): Promise<void>
}

/** Splits `host:port`, `:port`, `port` or `[::1]:port`. Throws a RangeError naming the address. */
export function parseAddr(addr: string): { hostname: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(addr) ?? /^()()(\d{1,5})$/.exec(addr)
  const port = Number(m?.[3])
  if (!m || !Number.isInteger(port) || port > 65_535) {
    throw new RangeError(`LUNETTES_HTTP_ADDR: expected host:port, got ${JSON.stringify(addr)}`)
  }
  return { hostname: m[1] || m[2] || '0.0.0.0', port }
}

/**
 * Reads the gateway settings: `LUNETTES_HTTP_ADDR` (default `127.0.0.1:8080`, or `0.0.0.0:8080`
 * when every surface is authenticated), the credentials of gateway/auth-config.ts,
 * `LUNETTES_WEBHOOK_MAX_BYTES` (default 10 MiB), the PEM file paths `LUNETTES_TLS_CERT`,
 * `LUNETTES_TLS_KEY`, `LUNETTES_CLIENT_CA` (a client CA turns on mTLS: the webhook then requires
 * a verified client certificate named in `LUNETTES_CLIENT_NAMES`), the server limits of
 * `httpLimitsFromEnv` and the load limits of `loadLimitsFromEnv`. Throws an Error naming the bad
 * variable, or refusing an unauthenticated non-loopback address.
 */
export function gatewayConfigFromEnv(
  env: Readonly<Record<string, string | undefined>>,
): GatewaySettings {
  if (env.LUNETTES_HTTP_ADDR) parseAddr(env.LUNETTES_HTTP_ADDR)
  const max = env.LUNETTES_WEBHOOK_MAX_BYTES
  const maxBodyBytes = max ? Number(max) : DEFAULT_MAX_BODY_BYTES
  if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes < 1) {
    throw new RangeError(`LUNETTES_WEBHOOK_MAX_BYTES: expected a positive integer, got ${max}`)
  }
  const certFile = env.LUNETTES_TLS_CERT || undefined
  const keyFile = env.LUNETTES_TLS_KEY || undefined
  const caFile = env.LUNETTES_CLIENT_CA || undefined
  if (Boolean(certFile) !== Boolean(keyFile)) {
    throw new Error('LUNETTES_TLS_CERT and LUNETTES_TLS_KEY must be set together')
  }
  if (caFile && !certFile) {
    throw new Error('LUNETTES_CLIENT_CA needs LUNETTES_TLS_CERT and LUNETTES_TLS_KEY (mTLS is TLS)')
  }
  const { addr, webhook, warnings: _logged, ...security } = gatewaySecurityFromEnv(env)
  return {
    addr,
    http: httpLimitsFromEnv(env),
    limits: loadLimitsFromEnv(env),
    webhook: { maxBodyBytes, ...webhook },
    ...security,
    ...(certFile && keyFile ? { tls: { certFile, keyFile, caFile } } : {}),
  }
}

async function loadTls(tls: TlsFiles | TlsPem): Promise<TlsPem> {
  if (!('certFile' in tls)) return tls
  const [cert, key, ca] = await Promise.all([
    readFile(tls.certFile),
    readFile(tls.keyFile),
    tls.caFile ? readFile(tls.caFile) : undefined,
  ])
  return { cert, key, ca }
}

/** Whether the request came over TLS with a client certificate the server's CA verified. */
function clientCertAuthorized(incoming: IncomingMessage): boolean {
  return incoming.socket instanceof TLSSocket && incoming.socket.authorized
}

/** The verified client certificate's CN and SAN values (empty when none was verified). */
function clientCertNames(incoming: IncomingMessage): string[] {
  if (!(incoming.socket instanceof TLSSocket) || !incoming.socket.authorized) return []
  const cert = incoming.socket.getPeerCertificate()
  return certificateNames(cert.subject?.CN, cert.subjectaltname)
}

/**
 * Starts the gateway on `addr`: HTTP, or HTTPS with `tls`. With a client CA the server asks for a
 * client certificate but does not reject the handshake (`rejectUnauthorized: false`), so the
 * webhook can answer 403 itself; the app learns the verdict as `c.env.clientCertAuthorized`.
 *
 * @example
 * const gw = await startGateway({
 *   ...gatewayConfigFromEnv(process.env),
 *   bus, partitions, ignoredNamespaces: slo.ignoredNamespaceForAudit, registry, log,
 * })
 */
export async function startGateway(opts: StartGatewayOptions): Promise<RunningGateway> {
  const { hostname, port } = parseAddr(opts.addr)
  const tls = opts.tls ? await loadTls(opts.tls) : undefined
  if (opts.webhook.requireClientCert && !tls?.ca) {
    throw new Error('the webhook requires client certificates but no client CA is configured')
  }
  if (opts.webhook.requireClientCert && !opts.webhook.clientNames?.length) {
    throw new Error('the webhook requires client certificates but no client names are allowed')
  }
  const exposure = decideExposure({
    listener: 'the gateway',
    addrVariable: 'LUNETTES_HTTP_ADDR',
    addr: opts.addr,
    defaultPort: DEFAULT_HTTP_PORT,
    surfaces: gatewaySurfaces({ ...opts, metrics: opts.registry !== undefined }),
    insecure: opts.insecure === true,
  })
  if (!exposure.ok) throw new Error(exposure.message)
  for (const warning of exposure.warnings) opts.log.warn({ addr: opts.addr }, warning)
  const app = createApp(opts)
  let gauge: ConnectionGauge | undefined
  const refused = refusalCounter(opts.registry)
  const fetch = (req: Request, env: HttpBindings) => {
    if (gauge?.overCap() && !PROBE_PATHS.has(new URL(req.url).pathname)) {
      // A connection of the probes' reserve: answer, and do not keep it for more.
      refused('http', 'connections')
      const res = refusal(503, 'too many connections; retry later', OVERLOAD_RETRY_AFTER_SECONDS)
      res.headers.set('connection', 'close')
      return res
    }
    const bindings: GatewayBindings = {
      clientCertAuthorized: clientCertAuthorized(env.incoming),
      clientCertNames: clientCertNames(env.incoming),
      remoteAddress: env.incoming.socket.remoteAddress,
    }
    return app.fetch(req, bindings)
  }
  const listener = {
    fetch: (req: Request, env: unknown) => fetch(req, env as HttpBindings),
    hostname,
    port,
  }
  const timeouts = timeoutOptions(opts.http)
  const server = (
    tls
      ? serve({
          ...listener,
          createServer: createHttpsServer,
          serverOptions: tls.ca
            ? {
                ...timeouts,
                cert: tls.cert,
                key: tls.key,
                ca: tls.ca,
                requestCert: true,
                rejectUnauthorized: false,
              }
            : { ...timeouts, cert: tls.cert, key: tls.key },
        })
      : serve({ ...listener, serverOptions: timeouts })
  ) as Server
  gauge = limitConnections(server, opts.http)
  await new Promise<void>((resolve, reject) => {
    if (server.listening) return resolve()
    server.once('listening', () => resolve())
    server.once('error', reject)
  })
  const bound = (server.address() as AddressInfo).port
  opts.log.info(
    { hostname, port: bound, tls: Boolean(tls), mtls: Boolean(tls?.ca) },
    'gateway listening',
  )
  return {
    port: bound,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()))
        server.closeAllConnections()
      }),
  }
}
