import { readFileSync } from 'node:fs'
import type { ConnectionOptions } from 'node:tls'
import { Cluster, type ClusterOptions, Redis, type RedisOptions } from 'ioredis'
import { redactUrl } from '../redact-url.ts'
import { StoreError } from './store.ts'

/** The environment, as `process.env`. */
type Env = Readonly<Record<string, string | undefined>>

/** A `host:port` of a cluster node or a sentinel. */
export interface HostPort {
  readonly host: string
  readonly port: number
}

/** Where and how to reach Redis, from the environment (see `redisSettings`). */
export type RedisSettings = {
  readonly username?: string
  readonly password?: string
  readonly tls?: ConnectionOptions
  /** The servers, redacted, for logs and errors. */
  readonly display: string
} & (
  | { readonly mode: 'standalone'; readonly url: string }
  | { readonly mode: 'cluster'; readonly nodes: readonly HostPort[] }
  | {
      readonly mode: 'sentinel'
      readonly sentinels: readonly HostPort[]
      readonly name: string
      readonly sentinelPassword?: string
    }
)

/** A setting that cannot work: names the variable, never a secret. */
export class RedisConfigError extends Error {
  override readonly name = 'RedisConfigError'
}

const set = (v: string | undefined): v is string => v !== undefined && v !== ''

function hostPorts(name: string, text: string, fallbackPort: number): HostPort[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((entry) => {
      const bare = entry.replace(/^rediss?:\/\/([^@/]*@)?/, '').replace(/\/.*$/, '')
      const i = bare.lastIndexOf(':')
      const host = i < 0 ? bare : bare.slice(0, i)
      const port = i < 0 ? fallbackPort : Number(bare.slice(i + 1))
      if (host === '' || !Number.isInteger(port) || port <= 0 || port > 65_535) {
        throw new RedisConfigError(`${name}: ${redactUrl(entry)} is not host:port`)
      }
      return { host, port }
    })
}

function file(name: string, path: string): Buffer {
  try {
    return readFileSync(path)
  } catch {
    throw new RedisConfigError(`${name}=${path}: file not found or not readable`)
  }
}

/** Whether any Redis setting is given (else the embedded in-memory store is used). */
export function wantsRedis(env: Env): boolean {
  return set(env.REDIS_URL) || set(env.REDIS_CLUSTER_NODES) || set(env.REDIS_SENTINELS)
}

/**
 * Reads `REDIS_URL` (`redis://` or `rediss://`, `user:password@` honoured), `REDIS_USERNAME` /
 * `REDIS_PASSWORD` (override the URL's), `REDIS_CA`, `REDIS_CERT`/`REDIS_KEY` (TLS, client
 * certificate), `REDIS_CLUSTER=true` (the nodes of `REDIS_URL`, comma-separated) or
 * `REDIS_CLUSTER_NODES=host:port,...` (Redis Cluster), and `REDIS_SENTINELS=host:port,...` with
 * `REDIS_SENTINEL_NAME` (default `mymaster`) and `REDIS_SENTINEL_PASSWORD` (Sentinel).
 */
export function redisSettings(env: Env): RedisSettings {
  const urls = (env.REDIS_URL ?? '').split(',').map((s) => s.trim())
  const first = urls[0] ?? ''
  let parsed: URL | undefined
  if (first !== '') {
    try {
      parsed = new URL(first)
    } catch {
      throw new RedisConfigError(`REDIS_URL=${redactUrl(first)}: not a redis:// or rediss:// URL`)
    }
    if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
      throw new RedisConfigError(`REDIS_URL=${redactUrl(first)}: not a redis:// or rediss:// URL`)
    }
  }
  const username = env.REDIS_USERNAME || decodeURIComponent(parsed?.username ?? '') || undefined
  const password = env.REDIS_PASSWORD || decodeURIComponent(parsed?.password ?? '') || undefined
  if (set(env.REDIS_CERT) !== set(env.REDIS_KEY)) {
    throw new RedisConfigError('REDIS_CERT and REDIS_KEY go together (client certificate and key)')
  }
  const tlsWanted = parsed?.protocol === 'rediss:' || set(env.REDIS_CA) || set(env.REDIS_CERT)
  const tls: ConnectionOptions | undefined = tlsWanted
    ? {
        ...(set(env.REDIS_CA) ? { ca: file('REDIS_CA', env.REDIS_CA) } : {}),
        ...(set(env.REDIS_CERT) && set(env.REDIS_KEY)
          ? { cert: file('REDIS_CERT', env.REDIS_CERT), key: file('REDIS_KEY', env.REDIS_KEY) }
          : {}),
      }
    : undefined
  const common = {
    ...(username === undefined ? {} : { username }),
    ...(password === undefined ? {} : { password }),
    ...(tls === undefined ? {} : { tls }),
  }
  const cluster = env.REDIS_CLUSTER === 'true' || set(env.REDIS_CLUSTER_NODES)
  if (cluster && set(env.REDIS_SENTINELS)) {
    throw new RedisConfigError('REDIS_SENTINELS and REDIS_CLUSTER(_NODES): use one of them')
  }
  if (cluster) {
    const name = set(env.REDIS_CLUSTER_NODES) ? 'REDIS_CLUSTER_NODES' : 'REDIS_URL'
    const nodes = hostPorts(name, env.REDIS_CLUSTER_NODES || env.REDIS_URL || '', 6379)
    if (nodes.length === 0) {
      throw new RedisConfigError('REDIS_CLUSTER=true needs REDIS_CLUSTER_NODES or REDIS_URL')
    }
    const display = `redis cluster ${nodes.map((n) => `${n.host}:${n.port}`).join(',')}`
    return { mode: 'cluster', nodes, display, ...common }
  }
  if (set(env.REDIS_SENTINELS)) {
    const sentinels = hostPorts('REDIS_SENTINELS', env.REDIS_SENTINELS, 26379)
    const name = env.REDIS_SENTINEL_NAME || 'mymaster'
    const display = `redis sentinel ${name} at ${sentinels.map((n) => `${n.host}:${n.port}`).join(',')}`
    const sentinelPassword = env.REDIS_SENTINEL_PASSWORD
    return {
      mode: 'sentinel',
      sentinels,
      name,
      display,
      ...(set(sentinelPassword) ? { sentinelPassword } : {}),
      ...common,
    }
  }
  if (!parsed) throw new RedisConfigError('REDIS_URL is not set')
  // ioredis lets a URL's userinfo win over explicit options: pass the credentials apart.
  parsed.username = ''
  parsed.password = ''
  const url = parsed.toString()
  return { mode: 'standalone', url, display: url, ...common }
}

/** Connection behaviour shared by every mode: the offline queue rides out short outages. */
export interface RedisClientTuning {
  readonly maxRetriesPerRequest: number
}

const retryStrategy = (times: number) => Math.min(times * 100, 2000)

/** The ioredis client the settings describe (standalone, Cluster or through Sentinel). */
export function createRedisClient(s: RedisSettings, tuning: RedisClientTuning): Redis | Cluster {
  const auth: RedisOptions = {
    ...(s.username === undefined ? {} : { username: s.username }),
    ...(s.password === undefined ? {} : { password: s.password }),
    ...(s.tls === undefined ? {} : { tls: s.tls }),
  }
  const base: RedisOptions = {
    lazyConnect: false,
    enableOfflineQueue: true,
    maxRetriesPerRequest: tuning.maxRetriesPerRequest,
    retryStrategy,
  }
  if (s.mode === 'cluster') {
    const options: ClusterOptions = {
      enableOfflineQueue: true,
      clusterRetryStrategy: retryStrategy,
      redisOptions: { ...auth, maxRetriesPerRequest: tuning.maxRetriesPerRequest },
      ...(s.tls === undefined ? {} : { dnsLookup: (address, done) => done(null, address) }),
    }
    return new Cluster(
      s.nodes.map((n) => ({ ...n })),
      options,
    )
  }
  if (s.mode === 'sentinel') {
    return new Redis({
      ...base,
      ...auth,
      sentinels: s.sentinels.map((n) => ({ ...n })),
      name: s.name,
      ...(s.sentinelPassword === undefined ? {} : { sentinelPassword: s.sentinelPassword }),
      ...(s.tls === undefined ? {} : { enableTLSForSentinelMode: true, sentinelTLS: s.tls }),
    })
  }
  return new Redis(s.url, { ...base, ...auth })
}

/** Redis refused our credentials (as opposed to being unreachable). */
export function isAuthError(err: unknown): boolean {
  const text = (e: unknown) => (e instanceof Error ? e.message : String(e))
  const last = (err as { lastNodeError?: unknown } | null)?.lastNodeError
  return /\b(WRONGPASS|NOAUTH|NOPERM)\b|invalid password/i.test(`${text(err)} ${text(last)}`)
}

/** An error's name and message with URLs redacted, without ioredis' `command` (its args). */
export function redisErrorFields(err: unknown): { name: string; message: string } {
  if (!(err instanceof Error)) return { name: 'Error', message: redactUrl(String(err)) }
  return { name: err.name, message: redactUrl(err.message) }
}

/** What `watchRedisErrors` logs to. */
export interface RedisLog {
  warn(obj: object, msg: string): void
}

/**
 * Logs the client's 'error' events at warn, at most one line per `everyMs` (default 10 s) with
 * how many were suppressed since, naming the server (redacted) and never the command arguments.
 */
export function watchRedisErrors(
  client: Redis | Cluster,
  display: string,
  log: RedisLog | undefined,
  { everyMs = 10_000, now = Date.now }: { everyMs?: number; now?: () => number } = {},
): void {
  let last = Number.NEGATIVE_INFINITY
  let suppressed = 0
  client.on('error', (err: unknown) => {
    if (!log) return
    if (now() - last < everyMs) {
      suppressed++
      return
    }
    last = now()
    log.warn({ server: display, err: redisErrorFields(err), suppressed }, 'redis connection error')
    suppressed = 0
  })
}

/**
 * Waits for the first connection: resolves once ready, or on the first network error or after
 * `timeoutMs` (the offline queue then rides the outage out, as before), and rejects with
 * StoreError naming the server (redacted) when Redis refuses the credentials: a wrong password
 * fails at start, not on the first write.
 */
export function firstConnection(
  client: Redis | Cluster,
  display: string,
  timeoutMs = 5000,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const done = () => {
      clearTimeout(timer)
      client.off('ready', onReady)
      client.off('error', onError)
    }
    const onReady = () => {
      done()
      resolve()
    }
    const onError = (err: unknown) => {
      done()
      if (!isAuthError(err)) {
        resolve()
        return
      }
      const { message } = redisErrorFields(err)
      reject(
        new StoreError(
          `cannot authenticate to ${display}: ${message} ` +
            '(check REDIS_USERNAME/REDIS_PASSWORD or the userinfo of REDIS_URL)',
        ),
      )
    }
    const timer = setTimeout(onReady, timeoutMs)
    timer.unref()
    client.on('ready', onReady)
    client.on('error', onError)
  })
}
