import { readFileSync } from 'node:fs'
import { type Logger, pino } from 'pino'
import { collectDefaultMetrics, Registry } from 'prom-client'
import { decideExposure, parseInsecure } from '../config/exposure.ts'
import { streamLimitSettings } from './host-env.ts'
import { humanDestination } from './log-format.ts'
import { natsSettings } from './runtime/bus/nats-auth.ts'
import { type Backends, openBackends } from './runtime/connect.ts'
import { redactError } from './runtime/redact-url.ts'
import { redisSettings, wantsRedis } from './runtime/store/redis-connect.ts'

type Env = Record<string, string | undefined>

/** Fields whose values never reach a log line, at any of the first three levels of an object. */
const SECRET_KEYS = [
  'authorization',
  'Authorization',
  'cookie',
  'password',
  'pass',
  'token',
  'secret',
  'credentials',
  'apiToken',
  'webhookToken',
  'metricsToken',
]
/** pino `redact` paths for `SECRET_KEYS` (also under `headers`). */
export const REDACT_PATHS = SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`])

/**
 * The process logger: pino to stderr at LOG_LEVEL; secrets stay out of every line. On a terminal
 * the lines are human-readable, elsewhere (a container's log, a pipe) JSON; `LOG_FORMAT=json` or
 * `human` overrides. `stderr` is where human lines go (main files pass `process.stderr`).
 */
export function processLogger(
  env: Env,
  stderr?: { readonly isTTY?: boolean; write(s: string): unknown },
): Logger {
  const human =
    stderr !== undefined &&
    (env.LOG_FORMAT === 'human' || (stderr.isTTY === true && env.LOG_FORMAT !== 'json'))
  return pino(
    {
      level: env.LOG_LEVEL ?? 'info',
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      // Errors are logged with the userinfo of any URL in them redacted and without ioredis'
      // `command` (whose arguments hold the AUTH password).
      serializers: {
        err: (err: unknown) => {
          const safe = redactError(err)
          return safe instanceof Error ? pino.stdSerializers.err(safe) : safe
        },
      },
    },
    human ? humanDestination(stderr) : pino.destination(2),
  )
}

/**
 * Where the actor host's probe server listens and which token its /metrics needs
 * (`LUNETTES_METRICS_ADDR`, `LUNETTES_METRICS_TOKEN` or `_FILE`, `LUNETTES_INSECURE`), decided by
 * config/exposure.ts: loopback unless /metrics is authenticated. `addr` null: disabled. Throws
 * naming the variable before anything connects.
 */
export function probeSettings(env: Env): {
  addr: string | null
  metricsToken: string | undefined
  warnings: readonly string[]
} {
  const insecure = parseInsecure(env.LUNETTES_INSECURE)
  let metricsToken = env.LUNETTES_METRICS_TOKEN?.trim() || undefined
  const file = env.LUNETTES_METRICS_TOKEN_FILE || undefined
  if (metricsToken && file) {
    throw new Error('LUNETTES_METRICS_TOKEN and LUNETTES_METRICS_TOKEN_FILE are both set: use one')
  }
  if (file) {
    try {
      metricsToken = readFileSync(file, 'utf8').trim() || undefined
    } catch {
      throw new Error(`LUNETTES_METRICS_TOKEN_FILE=${file}: cannot read`)
    }
    if (!metricsToken) throw new Error(`LUNETTES_METRICS_TOKEN_FILE=${file}: the file is empty`)
  }
  if (env.LUNETTES_METRICS_ADDR === '') return { addr: null, metricsToken, warnings: [] }
  const exposure = decideExposure({
    listener: 'the actor metrics port',
    addrVariable: 'LUNETTES_METRICS_ADDR',
    addr: env.LUNETTES_METRICS_ADDR,
    defaultPort: 9464,
    surfaces: [
      {
        name: '/metrics',
        authenticated: metricsToken !== undefined,
        settings: ['LUNETTES_METRICS_TOKEN'],
      },
    ],
    insecure,
  })
  if (!exposure.ok) throw new Error(exposure.message)
  return { addr: exposure.addr, metricsToken, warnings: exposure.warnings }
}

/**
 * The backends from the environment (embedded when neither NATS nor Redis is configured):
 * NATS_URL and the nats CLI's credential/TLS variables, REDIS_URL (or REDIS_CLUSTER_NODES,
 * REDIS_SENTINELS) and Redis' credential/TLS variables, LUNETTES_STORE_PREFIX, the stream limits.
 * A bad setting throws, naming the variable, before anything connects.
 */
export function backendsFromEnv(env: Env, log: Logger): Promise<Backends> {
  const nats = env.NATS_URL ? natsSettings(env) : undefined
  const redis = wantsRedis(env) ? redisSettings(env) : undefined
  const limits = {
    nats: streamLimitSettings(env, 'nats'),
    embedded: streamLimitSettings(env, 'embedded'),
  }
  return openBackends({
    nats,
    redis,
    storePrefix: env.LUNETTES_STORE_PREFIX,
    limits,
    log: log.child({ component: 'backends' }),
  })
}

/** A registry with Node's default metrics. */
export function processRegistry(): Registry {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  return registry
}
