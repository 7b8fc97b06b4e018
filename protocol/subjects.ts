import { alertSubject } from './alert.ts'
import { fnv1a32 } from './hash.ts'

/**
 * Every NATS subject and stream name Lunettes uses. Subjects are built here only, never by string
 * concatenation elsewhere, so a rename is one edit and a typo is a type error.
 */

/** Stream capturing pod signals on `lunettes.signals.<partition>` (file storage, age/bytes limits). */
export const SIGNALS_STREAM = 'LUNETTES_SIGNALS'

/** Stream capturing SLO alerts (`lunettes.alerts.slo.>`) for durable subscribers. */
export const ALERTS_STREAM = 'LUNETTES_ALERTS'

/** Default number of signal partitions (P), fixed at install time. */
export const DEFAULT_PARTITIONS = 32

/**
 * The partition count P from `LUNETTES_PARTITIONS` (unset or empty: 32), an integer from 1 to
 * 4096; every role must agree on it. The error names the variable.
 */
export function partitionCount(text: string | undefined): number {
  if (text === undefined || text === '') return DEFAULT_PARTITIONS
  const n = Number(text)
  if (!Number.isInteger(n) || n < 1 || n > 4096) {
    throw new RangeError(`LUNETTES_PARTITIONS=${text}: expected an integer from 1 to 4096`)
  }
  return n
}

/** Subject of replay watermarks (the signal clock of a replay, published by the replayer). */
export const watermarkSubject = 'lunettes.clock.watermark'

/** Subject pattern capturing every signal partition (the signals stream's subject). */
export const allSignalsSubject = 'lunettes.signals.>'

/** Subject pattern capturing every SLO alert (the alerts stream's subject). */
export const allAlertsSubject = 'lunettes.alerts.slo.>'

/**
 * Subject of signal partition `partition` (0 ≤ partition < P): `lunettes.signals.<partition>`.
 * Exactly one host consumes a partition at a time.
 */
export function signalSubject(partition: number): string {
  if (!Number.isInteger(partition) || partition < 0) {
    throw new RangeError(`partition must be a non-negative integer, got ${partition}`)
  }
  return `lunettes.signals.${partition}`
}

/**
 * The partition of a pod: `fnv1a32(namespace + "/" + name) mod partitions`. Keyed by name, not UID,
 * so signals lacking a UID (audit records on `pods/binding`, `pods/status`) reach the host that can
 * resolve the name to the current UID.
 */
export function partitionOf(namespace: string, name: string, partitions: number): number {
  if (!Number.isInteger(partitions) || partitions < 1) {
    throw new RangeError(`partitions must be a positive integer, got ${partitions}`)
  }
  return fnv1a32(`${namespace}/${name}`) % partitions
}

/** SLO alerts of one namespace: `lunettes.alerts.slo.<namespace>` (defined with the alert schema). */
export { alertSubject }

/** Request/reply subject of query `name` (`debugpod`, `debugslo`, …): `lunettes.query.<name>`. */
export function querySubject(name: string): string {
  if (name === '' || /[\s.*>]/.test(name)) {
    throw new RangeError(`query name must be one subject token, got ${JSON.stringify(name)}`)
  }
  return `lunettes.query.${name}`
}

/**
 * Parses a partition list such as `0-15` or `0,3,5-7` into sorted, distinct partition numbers, each
 * in `[0, total)`. Throws a RangeError naming the bad part otherwise (empty part, reversed range,
 * out of bounds, not a number).
 *
 * @example parsePartitions('0,3,5-7', 32) // → [0, 3, 5, 6, 7]
 */
export function parsePartitions(spec: string, total: number): number[] {
  if (!Number.isInteger(total) || total < 1) {
    throw new RangeError(`total partitions must be a positive integer, got ${total}`)
  }
  const out = new Set<number>()
  const parts = spec.split(',').map((part) => part.trim())
  for (const part of parts) {
    const match = /^(\d+)(?:\s*-\s*(\d+))?$/.exec(part)
    if (!match) {
      throw new RangeError(
        `invalid partition ${JSON.stringify(part)} in ${JSON.stringify(spec)}: expected N or N-M`,
      )
    }
    const from = Number(match[1])
    const to = match[2] === undefined ? from : Number(match[2])
    if (to < from) {
      throw new RangeError(
        `invalid partition range ${part} in ${JSON.stringify(spec)}: ${to} < ${from}`,
      )
    }
    if (to >= total) {
      throw new RangeError(
        `partition ${to} in ${JSON.stringify(spec)} is out of range: partitions are 0-${total - 1}`,
      )
    }
    for (let p = from; p <= to; p++) out.add(p)
  }
  return [...out].sort((a, b) => a - b)
}
