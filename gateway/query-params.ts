import * as v from 'valibot'
import type { DebugPodRequest, DebugSloRequest } from '../protocol/queries.ts'
import { httpError } from './errors.ts'

/** A required text parameter of 1–`max` characters; messages name the parameter. */
function text(name: string, max: number) {
  return v.pipe(
    v.string(`${name}: required`),
    v.minLength(1, `${name}: must not be empty`),
    v.maxLength(max, `${name}: at most ${max} characters`),
  )
}

/** Latest instant a window may name: the end of year 9999. */
const MAX_TIME_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999)

function timestamp(name: string) {
  const expected = `${name}: expected an RFC 3339 timestamp such as 2024-05-14T09:00:00Z`
  return v.pipe(
    v.string(),
    v.isoTimestamp(expected),
    v.check((s) => Number.isFinite(Date.parse(s)), expected),
    v.check((s) => {
      const ms = Date.parse(s)
      return ms >= 0 && ms <= MAX_TIME_MS
    }, `${name}: must lie between 1970-01-01T00:00:00Z and 9999-12-31T23:59:59Z`),
  )
}

const ByUid = v.object({ uid: text('uid', 128) })
const ByName = v.object({ namespace: text('namespace', 253), name: text('name', 253) })

const SloQuery = v.object({
  namespace: v.optional(text('namespace', 253)),
  type: v.optional(v.picklist(['create', 'delete'], 'type: expected create or delete'), 'create'),
  result: v.optional(text('result', 64)),
  code: v.optional(text('code', 128)),
  from: v.optional(timestamp('from')),
  to: v.optional(timestamp('to')),
  limit: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^\d{1,4}$/, 'limit: expected an integer from 1 to 5000'),
      v.transform(Number),
      v.minValue(1, 'limit: expected an integer from 1 to 5000'),
      v.maxValue(5000, 'limit: expected an integer from 1 to 5000'),
    ),
  ),
})

function parse<S extends v.GenericSchema>(schema: S, input: unknown): v.InferOutput<S> {
  const r = v.safeParse(schema, input, { abortEarly: true })
  if (r.success) return r.output
  const issue = r.issues[0]
  const path = v.getDotPath(issue)
  // Our messages start with the parameter name; valibot's defaults get it prefixed.
  const message =
    path && !issue.message.startsWith(`${path}:`) ? `${path}: ${issue.message}` : issue.message
  throw httpError(400, 'BadRequest', message)
}

/**
 * debugpod parameters: `uid` (which wins when given), or `namespace` and `name`. Throws a 400
 * naming the parameter.
 */
export function debugPodParams(query: Record<string, string>): DebugPodRequest {
  if (query.uid !== undefined) return parse(ByUid, { uid: query.uid })
  return parse(ByName, { namespace: query.namespace, name: query.name })
}

/** The default debugslo window: the last 24 hours. */
export const DEFAULT_SLO_WINDOW_MS = 24 * 3_600_000
/** The longest debugslo window: 31 days (rollup reads grow with the window). */
export const MAX_SLO_WINDOW_MS = 31 * 86_400_000

/**
 * debugslo parameters, with the window defaulting to the 24 hours before `to` (default now,
 * from `nowMs`). Times must parse and lie in 1970–9999, the window at most 31 days. Throws a 400
 * naming the parameter.
 */
export function debugSloParams(query: Record<string, string>, nowMs: number): DebugSloRequest {
  const q = parse(SloQuery, query)
  const toMs = q.to === undefined ? nowMs : Date.parse(q.to)
  const from = q.from ?? new Date(toMs - DEFAULT_SLO_WINDOW_MS).toISOString()
  const to = q.to ?? new Date(toMs).toISOString()
  if (Date.parse(to) < Date.parse(from))
    throw httpError(400, 'BadRequest', 'to: must not be before from')
  if (Date.parse(to) - Date.parse(from) > MAX_SLO_WINDOW_MS) {
    throw httpError(
      400,
      'BadRequest',
      `from: the window from..to must not exceed ${MAX_SLO_WINDOW_MS / 86_400_000} days`,
    )
  }
  if (Date.parse(from) < 0) {
    // `to` is in range but the default window (24 h before it) reaches before 1970.
    throw httpError(
      400,
      'BadRequest',
      'from: must lie between 1970-01-01T00:00:00Z and 9999-12-31T23:59:59Z',
    )
  }
  return {
    type: q.type,
    from,
    to,
    limit: q.limit ?? 500,
    ...(q.namespace === undefined ? {} : { namespace: q.namespace }),
    ...(q.result === undefined ? {} : { result: q.result }),
    ...(q.code === undefined ? {} : { code: q.code }),
  }
}
