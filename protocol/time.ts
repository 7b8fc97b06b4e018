import * as v from 'valibot'

/**
 * How precise a timestamp is. Kubernetes stamps `creationTimestamp`, condition
 * `lastTransitionTime` and legacy Event times in whole seconds (truncated); audit stage times and
 * `eventTime` carry microseconds.
 */
export const Precision = v.picklist(['us', 'ms', 's'])
export type Precision = v.InferOutput<typeof Precision>

/** Microseconds since the Unix epoch. Every time inside a `PodSignal` or actor state uses it. */
export type EpochMicros = number

/** A parsed timestamp: microseconds since the epoch and the precision the source wrote. */
export interface Stamp {
  readonly time: EpochMicros
  readonly precision: Precision
}

/** The earliest time a signal may carry: the Unix epoch (nothing in Kubernetes predates it). */
export const MIN_TIME: EpochMicros = 0
/** The latest time a signal may carry: the end of year 9999 (RFC 3339's last four-digit year). */
export const MAX_TIME: EpochMicros = Date.UTC(9999, 11, 31, 23, 59, 59, 999) * 1000 + 999

/** True for a finite epoch-µs time within [{@link MIN_TIME}, {@link MAX_TIME}]. */
export function isTimeInRange(time: number): boolean {
  return Number.isFinite(time) && time >= MIN_TIME && time <= MAX_TIME
}

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):?(\d{2}))$/

/**
 * Parses an RFC 3339 timestamp (as Kubernetes writes them) into epoch microseconds, keeping the
 * precision: no fraction → `s`, 1–3 fraction digits → `ms`, more → `us` (digits past the sixth are
 * truncated, as Go's nanosecond times are). Returns `undefined` for anything else, including
 * `null`, empty strings and times outside 1970–9999 (a client-set 1960 Event time, Go's zero
 * time `0001-01-01T00:00:00Z`), so callers can fall back to the next candidate field and nothing
 * downstream computes a negative minute or index from a time.
 */
export function parseTime(value: unknown): Stamp | undefined {
  if (typeof value !== 'string') return undefined
  const m = RFC3339.exec(value)
  if (!m) return undefined
  const [, y, mo, d, h, mi, s, frac, z, sign, oh, om] = m
  // Date.UTC reads years 0–99 as 1900–1999: refuse them before it does (1969 stays for offsets).
  if (Number(y) < 1969) return undefined
  const base = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s))
  if (Number.isNaN(base)) return undefined
  let offsetMs = 0
  if (!z && sign) {
    offsetMs = (Number(oh) * 60 + Number(om)) * 60_000 * (sign === '+' ? 1 : -1)
  }
  const digits = frac ?? ''
  const micros = digits === '' ? 0 : Number(digits.slice(0, 6).padEnd(6, '0'))
  const precision: Precision = digits.length === 0 ? 's' : digits.length <= 3 ? 'ms' : 'us'
  const time = (base - offsetMs) * 1000 + micros
  return isTimeInRange(time) ? { time, precision } : undefined
}

/** Width of the window a timestamp of this precision stands for, in microseconds. */
export function granularity(precision: Precision): number {
  return precision === 'us' ? 1 : precision === 'ms' ? 1000 : 1_000_000
}

/**
 * Formats epoch microseconds as RFC 3339 UTC with as many fraction digits as the precision
 * justifies: `2021-09-14T14:27:14.132874Z` (us), `…14.132Z` (ms), `…14Z` (s).
 */
export function formatTime(time: EpochMicros, precision: Precision = 'us'): string {
  const ms = Math.floor(time / 1000)
  const iso = new Date(ms).toISOString() // 2021-09-14T14:27:14.132Z
  const head = iso.slice(0, 19)
  if (precision === 's') return `${head}Z`
  if (precision === 'ms') return `${head}.${iso.slice(20, 23)}Z`
  const micros = String(((time % 1_000_000) + 1_000_000) % 1_000_000).padStart(6, '0')
  return `${head}.${micros}Z`
}

/** Milliseconds between two epoch-microsecond times, rounded to an integer. */
export function diffMs(from: EpochMicros, to: EpochMicros): number {
  return Math.round((to - from) / 1000)
}
