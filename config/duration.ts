/** What a Go duration looks like, for error messages. */
export const GO_DURATION_EXPECTED =
  'a Go duration such as "1m30s", "6m", "480s", "1.5h" or "300ms" (units ns, us, µs, ms, s, m, h)'

/** Milliseconds per unit of Go's `time.ParseDuration` (both micro signs, U+00B5 and U+03BC). */
const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
}

/** The largest Go duration (`math.MaxInt64` nanoseconds), in milliseconds. */
const MAX_MS = 9_223_372_036_854.775

/** One `<number>[.<fraction>]<unit>` element; the unit is everything up to the next digit or dot. */
const ELEMENT = /(\d*)(\.\d*)?([^\d.]*)/y

/**
 * Thrown by {@link parseGoDuration} for text that is not a Go duration. `text` is the input,
 * `problem` what is wrong with it and `expected` what would have been accepted.
 */
export class DurationError extends Error {
  override readonly name = 'DurationError'
  /** The rejected input, verbatim. */
  readonly text: string
  /** What is wrong, e.g. `unknown unit "sec"`. */
  readonly problem: string
  /** What would have been accepted. */
  readonly expected: string

  constructor(text: string, problem: string, expected: string = GO_DURATION_EXPECTED) {
    super(`invalid duration ${JSON.stringify(text)}: ${problem} (expected ${expected})`)
    this.text = text
    this.problem = problem
    this.expected = expected
  }
}

/**
 * Parses Go `time.ParseDuration` syntax into milliseconds, rounded to the nearest integer
 * millisecond (`"1500us"` → 2, `"1ns"` → 0).
 *
 * Grammar: an optional sign, then one or more `<decimal>[.<fraction>]<unit>` elements with units
 * `ns`, `us`, `µs`, `μs`, `ms`, `s`, `m`, `h`. A bare `0` (optionally signed) is the only text
 * allowed without a unit. No whitespace anywhere. Values beyond Go's range (about 292 years)
 * are rejected, as Go does.
 *
 * @throws {DurationError} naming the text, the problem and what was expected.
 * @example parseGoDuration('1m30s') // 90_000
 * @example parseGoDuration('1.5h') // 5_400_000
 */
export function parseGoDuration(text: string): number {
  let rest = text
  let sign = 1
  if (rest.startsWith('-') || rest.startsWith('+')) {
    sign = rest.startsWith('-') ? -1 : 1
    rest = rest.slice(1)
  }
  if (rest === '0') return 0
  if (rest === '') throw new DurationError(text, 'it is empty')
  let total = 0
  ELEMENT.lastIndex = 0
  while (ELEMENT.lastIndex < rest.length) {
    const m = ELEMENT.exec(rest)
    if (m === null) throw new DurationError(text, 'it is malformed')
    const [, whole = '', fraction = '', unit = ''] = m
    if (whole === '' && fraction.length <= 1) {
      const at = rest.slice(m.index)
      throw new DurationError(text, `a number is missing before ${JSON.stringify(at)}`)
    }
    if (unit === '') {
      throw new DurationError(text, `the unit is missing after ${JSON.stringify(whole + fraction)}`)
    }
    const unitMs = UNIT_MS[unit]
    if (unitMs === undefined) throw new DurationError(text, `unknown unit ${JSON.stringify(unit)}`)
    total += (Number(whole || '0') + (fraction.length > 1 ? Number(`0${fraction}`) : 0)) * unitMs
  }
  if (!(total <= MAX_MS)) throw new DurationError(text, 'it is out of range (over ~292 years)')
  const ms = Math.round(total)
  return ms === 0 ? 0 : sign * ms
}

/**
 * Formats milliseconds the way Go's `time.Duration.String()` does, after rounding to an integer
 * millisecond: `0s`, `300ms`, `1.5s`, `1m30s`, `8m0s`, `1h0m0s`, `-2m5s`. The output always
 * parses back with {@link parseGoDuration} to the same (rounded) value.
 *
 * @throws {RangeError} for `NaN` or infinities.
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) throw new RangeError(`cannot format ${ms} as a duration`)
  let n = Math.round(Math.abs(ms))
  if (n === 0) return '0s'
  const sign = ms < 0 ? '-' : ''
  if (n < 1_000) return `${sign}${n}ms`
  const hours = Math.floor(n / 3_600_000)
  n -= hours * 3_600_000
  const minutes = Math.floor(n / 60_000)
  n -= minutes * 60_000
  const seconds = Math.floor(n / 1_000)
  const millis = n - seconds * 1_000
  const fraction = millis === 0 ? '' : `.${String(millis).padStart(3, '0').replace(/0+$/, '')}`
  const h = hours > 0 ? `${hours}h` : ''
  const m = hours > 0 || minutes > 0 ? `${minutes}m` : ''
  return `${sign}${h}${m}${seconds}${fraction}s`
}
