import { isDnsLabel, isLabelKey, isLabelValue, isUid } from './limits.ts'
import { parseTime, type Stamp } from './time.ts'

/**
 * Why one field of an otherwise usable record was left out (issue #10); counted with the drop
 * reasons (`DropReason`), per field:
 * - `bad-time` — a time that is not RFC 3339 or lies outside 1970–9999;
 * - `bad-number` — a count that is not a finite non-negative integer (`1e309` parses as
 *   Infinity), an exit code or HTTP status outside its range;
 * - `bad-name` — a label, container name or UID that Kubernetes would not accept, or too long.
 */
export const FIELD_DROP_REASONS = ['bad-time', 'bad-number', 'bad-name'] as const
export type FieldDropReason = (typeof FIELD_DROP_REASONS)[number]

/** How many fields of one record were left out, by reason (only reasons that occurred). */
export type FieldDrops = Readonly<Partial<Record<FieldDropReason, number>>>

/** Go's zero time: Kubernetes' way of writing "unset"; absent, not a bad value. */
const GO_ZERO_TIME = '0001-01-01T00:00:00Z'
const INT32_MIN = -2_147_483_648
const INT32_MAX = 2_147_483_647

/**
 * Reads the fields of one input record that hostile input can make impossible, and counts what
 * it leaves out. One guard per record: normalisers create it, pass it down, and return its
 * {@link FieldGuard.drops} with the record's signals.
 */
export class FieldGuard {
  readonly #counts: Partial<Record<FieldDropReason, number>> = {}

  /** Counts one left-out field. */
  drop(reason: FieldDropReason): void {
    this.#counts[reason] = (this.#counts[reason] ?? 0) + 1
  }

  /** The counts so far, or `undefined` when nothing was left out. */
  get drops(): FieldDrops | undefined {
    return Object.keys(this.#counts).length > 0 ? { ...this.#counts } : undefined
  }

  /**
   * A timestamp field: its stamp, or `undefined` when absent (`null`, `''`, Go's zero time) or
   * unusable (not RFC 3339, outside 1970–9999: counted `bad-time`).
   */
  time(value: unknown): Stamp | undefined {
    if (value === undefined || value === null || value === '' || value === GO_ZERO_TIME) {
      return undefined
    }
    const stamp = parseTime(value)
    if (!stamp) this.drop('bad-time')
    return stamp
  }

  /** A count (restarts, occurrences, grace seconds): a finite integer ≥ 0, else counted. */
  count(value: number | null | undefined): number | undefined {
    if (value === undefined || value === null) return undefined
    if (Number.isSafeInteger(value) && value >= 0) return value
    this.drop('bad-number')
    return undefined
  }

  /** An int32 (exit codes, signals): a finite integer in range, else counted. */
  int32(value: number | null | undefined): number | undefined {
    if (value === undefined || value === null) return undefined
    if (Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX) return value
    this.drop('bad-number')
    return undefined
  }

  /** An HTTP status code (100–599), else counted. */
  httpCode(value: number | null | undefined): number | undefined {
    if (value === undefined || value === null) return undefined
    if (Number.isInteger(value) && value >= 100 && value <= 599) return value
    this.drop('bad-number')
    return undefined
  }

  /** A UID: kept when ≤ 64 characters, else counted `bad-name`. Empty is absent. */
  uid(value: string | null | undefined): string | undefined {
    if (value === undefined || value === null || value === '') return undefined
    if (isUid(value)) return value
    this.drop('bad-name')
    return undefined
  }

  /** A container name (a DNS-1123 label), else counted `bad-name`. */
  containerName(value: string): boolean {
    if (isDnsLabel(value)) return true
    this.drop('bad-name')
    return false
  }

  /** Labels without the entries Kubernetes would refuse (each counted `bad-name`). */
  labels(labels: Readonly<Record<string, string>>): Record<string, string> {
    const out: Record<string, string> = {}
    for (const [key, value] of Object.entries(labels)) {
      if (isLabelKey(key) && isLabelValue(value)) out[key] = value
      else this.drop('bad-name')
    }
    return out
  }
}
