import type { WriteOp } from './store.ts'

/**
 * The rules Redis puts on a write batch (integer HINCRBY increments, positive integer PX, float
 * scores), checked before anything is sent. A MULTI/EXEC does not roll back a command that fails at
 * run time, so a batch must be known good before it starts; the memory store applies the same
 * checks so both stores accept and reject the same batches.
 *
 * Invalid input is a caller bug, not a store failure: it throws `TypeError` (never `StoreError`,
 * which callers may retry).
 */

/** Rollups are kept 30 days after their last increment unless configured otherwise. */
export const DEFAULT_ROLLUP_TTL_MS = 30 * 24 * 60 * 60 * 1000

/** The longest rollup range one read may ask for: 31 days of minutes (one HGETALL each). */
export const MAX_ROLLUP_MINUTES = 31 * 24 * 60

const SLO_TYPES: ReadonlySet<unknown> = new Set(['create', 'delete'])

const text = (v: unknown, field: string): string | null =>
  typeof v === 'string' && v.length > 0 ? null : `${field} must be a non-empty string`

const score = (v: unknown, field: string): string | null =>
  typeof v === 'number' && Number.isFinite(v) ? null : `${field} must be a finite number`

const integer = (v: unknown, field: string, min: number): string | null =>
  Number.isSafeInteger(v) && (v as number) >= min
    ? null
    : `${field} must be an integer >= ${min} (got ${String(v)})`

/** An optional positive integer (a TTL or retention in ms). */
const optional = (v: unknown, field: string): string | null =>
  v === undefined ? null : integer(v, field, 1)

const sloType = (v: unknown): string | null =>
  SLO_TYPES.has(v) ? null : `type must be 'create' or 'delete' (got ${String(v)})`

function fields(v: unknown): string | null {
  if (typeof v !== 'object' || v === null) return 'fields must be an object'
  for (const [name, n] of Object.entries(v)) {
    if (name.length === 0) return 'field names must be non-empty'
    if (!Number.isSafeInteger(n)) return `field ${name} must be an integer (got ${String(n)})`
  }
  return null
}

function problem(op: WriteOp): string | null {
  switch (op.op) {
    case 'state':
      return (
        text(op.uid, 'uid') ??
        (typeof op.json === 'string' ? null : 'json must be a string') ??
        (op.ttlMs === null ? null : integer(op.ttlMs, 'ttlMs', 1))
      )
    case 'name':
      return (
        text(op.namespace, 'namespace') ??
        text(op.name, 'name') ??
        text(op.uid, 'uid') ??
        score(op.createdUs, 'createdUs')
      )
    case 'keepName':
      return (
        text(op.namespace, 'namespace') ?? text(op.name, 'name') ?? integer(op.ttlMs, 'ttlMs', 1)
      )
    case 'slo':
      return (
        sloType(op.type) ??
        text(op.namespace, 'namespace') ??
        text(op.uid, 'uid') ??
        score(op.finishedUs, 'finishedUs') ??
        optional(op.retainMs, 'retainMs')
      )
    case 'rollup':
      return (
        sloType(op.type) ??
        text(op.namespace, 'namespace') ??
        integer(op.minute, 'minute', 0) ??
        fields(op.fields)
      )
    case 'alarm':
      return (
        integer(op.partition, 'partition', 0) ??
        text(op.uid, 'uid') ??
        (op.at === null ? null : score(op.at, 'at'))
      )
    case 'meta':
      return (
        text(op.key, 'key') ??
        (op.value === null || typeof op.value === 'string'
          ? null
          : 'value must be a string or null') ??
        optional(op.ttlMs, 'ttlMs')
      )
    case 'member':
      return (
        integer(op.partition, 'partition', 0) ??
        text(op.uid, 'uid') ??
        integer(op.atMs, 'atMs', 0) ??
        optional(op.retainMs, 'retainMs')
      )
    case 'forget':
      return integer(op.partition, 'partition', 0) ?? text(op.uid, 'uid')
    case 'moveAside':
      return (
        text(op.uid, 'uid') ??
        (typeof op.json === 'string' ? null : 'json must be a string') ??
        integer(op.ttlMs, 'ttlMs', 1)
      )
    case 'fence':
      return (
        integer(op.partition, 'partition', 0) ??
        integer(op.expect, 'expect', 0) ??
        integer(op.next, 'next', 0)
      )
    default:
      return `unknown op ${JSON.stringify((op as { op?: unknown }).op)}`
  }
}

/** Throws `TypeError` naming the first invalid op of the batch; returns when all are valid. */
export function validateWriteOps(ops: readonly WriteOp[]): void {
  if (!Array.isArray(ops)) throw new TypeError('write: ops must be an array')
  ops.forEach((op, i) => {
    const kind = typeof op === 'object' && op !== null ? String(op.op) : typeof op
    const why = typeof op === 'object' && op !== null ? problem(op) : 'not an object'
    if (why !== null) {
      throw new TypeError(`write: invalid op #${i} (${kind}): ${why}; nothing was written`)
    }
  })
  if (ops.filter((op) => op.op === 'fence').length > 1) {
    throw new TypeError('write: more than one fence op in a batch; nothing was written')
  }
}

/** The batch's fence op, if any (validated first). */
export function fenceOf(ops: readonly WriteOp[]): Extract<WriteOp, { op: 'fence' }> | undefined {
  return ops.find((op): op is Extract<WriteOp, { op: 'fence' }> => op.op === 'fence')
}

/** Checks a read's `limit` (an integer >= 0). */
export function checkLimit(limit: number): void {
  const why = integer(limit, 'limit', 0)
  if (why !== null) throw new TypeError(why)
}

/** Checks a read's score bound (any number but NaN; ±Infinity means unbounded). */
export function checkBound(v: number, field: string): void {
  if (typeof v !== 'number' || Number.isNaN(v)) throw new TypeError(`${field} must be a number`)
}

/** Checks a read's partition (an integer >= 0). */
export function checkPartition(partition: number): void {
  const why = integer(partition, 'partition', 0)
  if (why !== null) throw new TypeError(why)
}

/**
 * How many minutes [from, to] spans (0 when `to < from`). Throws `RangeError` past
 * `MAX_ROLLUP_MINUTES`: callers aggregating longer windows read them in pieces.
 */
export function rollupSpan(type: unknown, fromMinute: number, toMinute: number): number {
  const why =
    sloType(type) ?? integer(fromMinute, 'fromMinute', 0) ?? integer(toMinute, 'toMinute', 0)
  if (why !== null) throw new TypeError(`rollups: ${why}`)
  const span = toMinute - fromMinute + 1
  if (span > MAX_ROLLUP_MINUTES) {
    throw new RangeError(
      `rollups: range of ${span} minutes exceeds the maximum of ${MAX_ROLLUP_MINUTES} (31 days); read it in pieces`,
    )
  }
  return Math.max(0, span)
}
