import { parseGoDuration } from '../config/duration.ts'
import { partitionCount } from '../protocol/subjects.ts'

/** The environment, as `process.env`. */
type Env = Readonly<Record<string, string | undefined>>

/** Durations an actor host reads from its environment: the variable and its default. */
const DURATIONS = {
  leaseTtlMs: ['LUNETTES_LEASE_TTL', '10s'],
  retentionMs: ['LUNETTES_RETENTION', '168h'],
  liveTtlMs: ['LUNETTES_LIVE_TTL', '720h'],
  idleMs: ['LUNETTES_IDLE', '5m'],
  backlogGraceMs: ['LUNETTES_BACKLOG_GRACE', '60s'],
  watermarkGraceMs: ['LUNETTES_WATERMARK_GRACE', '30s'],
  watermarkIdleMs: ['LUNETTES_WATERMARK_IDLE', '2m'],
} as const

export type HostDurations = { -readonly [K in keyof typeof DURATIONS]: number }

/**
 * The host's durations (Go syntax, e.g. `90s`, `168h`), each positive. Checked before anything
 * connects: a bad value stops the process with an error naming the variable.
 */
export function hostDurations(env: Env): HostDurations {
  const out = {} as HostDurations
  for (const [key, [name, fallback]] of Object.entries(DURATIONS)) {
    const text = env[name] ?? fallback
    let ms: number
    try {
      ms = parseGoDuration(text)
    } catch (err: unknown) {
      throw new Error(`${name}=${text}: ${err instanceof Error ? err.message : String(err)}`)
    }
    if (!(ms > 0)) throw new Error(`${name}=${text}: must be a positive duration, e.g. ${fallback}`)
    out[key as keyof HostDurations] = ms
  }
  return out
}

/**
 * Everything an actor host reads from its environment that can be wrong, checked before anything
 * connects: the durations, the stream limits, the metric namespace cap, `LUNETTES_PARTITIONS` and
 * `LUNETTES_REPLICAS` (an integer >= 0).
 */
export function checkHostEnv(env: Env): void {
  hostDurations(env)
  streamLimitSettings(env, 'nats')
  metricsMaxNamespaces(env)
  partitionCount(env.LUNETTES_PARTITIONS)
  const replicas = env.LUNETTES_REPLICAS
  if (replicas !== undefined && replicas !== '' && !/^\d+$/.test(replicas)) {
    throw new RangeError(`LUNETTES_REPLICAS=${replicas}: expected an integer >= 0`)
  }
}

const SIZE = /^(\d+)\s*(|B|K|KB|M|MB|G|GB|T|TB|Ki|KiB|Mi|MiB|Gi|GiB|Ti|TiB)$/
const SIZE_UNITS: Record<string, number> = { '': 1, K: 1e3, M: 1e6, G: 1e9, T: 1e12 }
const BINARY_UNITS: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 }

/** A byte size: `1048576`, `512Mi`, `8GiB` (binary), `8G`/`8GB` (decimal). */
export function parseByteSize(name: string, text: string): number {
  const m = SIZE.exec(text.trim())
  const unit = (m?.[2] ?? '').replace(/B$/, '')
  const scale = BINARY_UNITS[unit] ?? SIZE_UNITS[unit]
  const n = Number(m?.[1]) * (scale ?? Number.NaN)
  if (!m || !Number.isSafeInteger(n) || n <= 0) {
    throw new RangeError(`${name}=${text}: expected a byte size such as 8GiB, 512MiB or 1000000`)
  }
  return n
}

/** A whole number in [min, max], or the fallback when unset. */
function intSetting(env: Env, name: string, fallback: number, min: number, max: number): number {
  const text = env[name]
  if (text === undefined || text === '') return fallback
  const n = Number(text)
  if (!/^\d+$/.test(text.trim()) || n < min || n > max) {
    throw new RangeError(`${name}=${text}: expected an integer from ${min} to ${max}`)
  }
  return n
}

/** Stream caps by bus: NATS keeps them on disk, the embedded bus in this process's memory. */
const STREAM_DEFAULTS = {
  nats: { maxBytes: '8GiB', historyMaxBytes: '1GiB', maxMessages: -1 },
  embedded: { maxBytes: '512MiB', historyMaxBytes: '64MiB', maxMessages: 1_000_000 },
} as const

/** The stream limits and replicas the bus applies (see `StreamLimits` in the bus contract). */
export interface StreamLimitSettings {
  maxBytes: number
  historyMaxBytes: number
  maxMessages?: number
  replicas: number
}

/**
 * `LUNETTES_STREAM_MAX_BYTES` (the signal stream: full, it refuses publishes; default 8GiB on
 * NATS, 512MiB embedded), `LUNETTES_ALERTS_MAX_BYTES` (the alert history: full, the oldest go;
 * 1GiB / 64MiB), `LUNETTES_STREAM_MAX_MESSAGES` (signal stream message cap; none on NATS,
 * 1,000,000 embedded) and `LUNETTES_STREAM_REPLICAS` (1; 3 for a 3-node NATS cluster).
 */
export function streamLimitSettings(env: Env, bus: 'nats' | 'embedded'): StreamLimitSettings {
  const d = STREAM_DEFAULTS[bus]
  const bytes = (name: string, fallback: string) => parseByteSize(name, env[name] || fallback)
  const maxMessages = intSetting(env, 'LUNETTES_STREAM_MAX_MESSAGES', d.maxMessages, 1, 2 ** 40)
  return {
    maxBytes: bytes('LUNETTES_STREAM_MAX_BYTES', d.maxBytes),
    historyMaxBytes: bytes('LUNETTES_ALERTS_MAX_BYTES', d.historyMaxBytes),
    ...(maxMessages > 0 ? { maxMessages } : {}),
    replicas: intSetting(env, 'LUNETTES_STREAM_REPLICAS', 1, 1, 5),
  }
}

/** `LUNETTES_METRICS_MAX_NAMESPACES`: distinct namespace labels before `other` (default 200). */
export function metricsMaxNamespaces(env: Env): number {
  return intSetting(env, 'LUNETTES_METRICS_MAX_NAMESPACES', 200, 1, 100_000)
}
