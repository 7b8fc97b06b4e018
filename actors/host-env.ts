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
 * connects: the durations, `LUNETTES_PARTITIONS` and `LUNETTES_REPLICAS` (an integer >= 0).
 */
export function checkHostEnv(env: Env): void {
  hostDurations(env)
  partitionCount(env.LUNETTES_PARTITIONS)
  const replicas = env.LUNETTES_REPLICAS
  if (replicas !== undefined && replicas !== '' && !/^\d+$/.test(replicas)) {
    throw new RangeError(`LUNETTES_REPLICAS=${replicas}: expected an integer >= 0`)
  }
}
