import * as v from 'valibot'
import { DIAGNOSIS_CODE_LIST } from '../protocol/diagnosis-codes.ts'
import { CreateResult, DeleteResult } from '../protocol/pod-report.ts'
import type { DebugPodRequest, DebugSloRequest, PodsRequest } from '../protocol/queries.ts'
import { httpError } from './errors.ts'

/**
 * The query-string schemas of every API route (valibot, on the raw strings). The same schemas
 * validate requests (400 naming the parameter) and generate `GET /openapi.json`.
 */

const NAMESPACE = /^[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?$/
const NAME = /^[a-z0-9](?:[-a-z0-9.]{0,251}[a-z0-9])?$/
const UID = /^[A-Za-z0-9][-A-Za-z0-9]{0,127}$/
const PREFIX = /^[a-z0-9][-a-z0-9.]{0,252}$/
const CURSOR = /^[A-Za-z0-9_-]{1,1024}$/

function pattern(name: string, re: RegExp, what: string) {
  return v.pipe(
    v.string(`${name}: required`),
    v.minLength(1, `${name}: must not be empty`),
    v.regex(re, `${name}: expected ${what}`),
  )
}

const namespace = pattern('namespace', NAMESPACE, 'a Kubernetes namespace (DNS label, ≤ 63)')
const name = pattern('name', NAME, 'a Kubernetes pod name (DNS subdomain, ≤ 253)')
const uid = pattern('uid', UID, 'a pod UID (letters, digits and "-", ≤ 128)')

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

function limit(max: number) {
  const message = `limit: expected an integer from 1 to ${max}`
  return v.pipe(
    v.string(message),
    v.regex(/^\d{1,6}$/, message),
    v.transform(Number),
    v.minValue(1, message),
    v.maxValue(max, message),
  )
}

const RESULTS = [...new Set([...CreateResult.options, ...DeleteResult.options])]
const result = v.picklist(RESULTS, `result: expected one of ${RESULTS.join(', ')}`)
const cursor = pattern('cursor', CURSOR, "a cursor from a reply's next")

/** `GET /api/v1/debugpod`: `uid`, or `namespace` and `name`. */
export const DebugPodQuery = v.strictObject({
  uid: v.optional(uid),
  namespace: v.optional(namespace),
  name: v.optional(name),
})

/** `GET /api/v1/debugslo`. */
export const DebugSloQuery = v.strictObject({
  namespace: v.optional(namespace),
  type: v.optional(v.picklist(['create', 'delete'], 'type: expected create or delete'), 'create'),
  result: v.optional(result),
  code: v.optional(v.picklist(DIAGNOSIS_CODE_LIST, 'code: expected a diagnosis code')),
  owner: v.optional(
    v.picklist(['user', 'platform', 'unknown'], 'owner: expected user, platform or unknown'),
  ),
  from: v.optional(timestamp('from')),
  to: v.optional(timestamp('to')),
  limit: v.optional(limit(5000)),
  cursor: v.optional(cursor),
})

/** `GET /api/v1/pods`. */
export const PodsQuery = v.strictObject({
  namespace: v.optional(namespace),
  q: v.optional(
    pattern('q', PREFIX, 'a pod name prefix or UID (lowercase letters, digits, "-" and ".")'),
  ),
  result: v.optional(v.picklist(CreateResult.options, 'result: expected a create result')),
  limit: v.optional(limit(1000)),
  cursor: v.optional(cursor),
})

/** `GET /api/v1/alerts/stream`. */
export const AlertsQuery = v.strictObject({ namespace: v.optional(namespace) })

/** Parses a query string with `schema`; a 400 naming the parameter otherwise. */
export function parseQuery<S extends v.GenericSchema>(
  schema: S,
  input: Record<string, string>,
): v.InferOutput<S> {
  const r = v.safeParse(schema, input, { abortEarly: true })
  if (r.success) return r.output
  const issue = r.issues[0]
  const path = v.getDotPath(issue) ?? 'query'
  if (issue.type === 'strict_object') {
    throw httpError(400, 'BadRequest', `${path}: unknown parameter`)
  }
  // Our messages start with the parameter name; valibot's defaults get it prefixed.
  const message = issue.message.startsWith(`${path}:`) ? issue.message : `${path}: ${issue.message}`
  throw httpError(400, 'BadRequest', message)
}

/**
 * debugpod parameters: `uid` (which wins when given), or `namespace` and `name`. Throws a 400
 * naming the parameter.
 */
export function debugPodParams(query: Record<string, string>): DebugPodRequest {
  const q = parseQuery(DebugPodQuery, query)
  if (q.uid !== undefined) return { uid: q.uid }
  if (q.namespace === undefined) throw httpError(400, 'BadRequest', 'namespace: required')
  if (q.name === undefined) throw httpError(400, 'BadRequest', 'name: required')
  return { namespace: q.namespace, name: q.name }
}

/** The default debugslo window: the last 24 hours. */
export const DEFAULT_SLO_WINDOW_MS = 24 * 3_600_000
/** The longest debugslo window: 31 days (rollup reads grow with the window). */
export const MAX_SLO_WINDOW_MS = 31 * 86_400_000

function windowOf(q: { from?: string | undefined; to?: string | undefined }, nowMs: number) {
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
  return { from, to }
}

/**
 * debugslo parameters, with the window defaulting to the 24 hours before `to` (default now,
 * from `nowMs`). Times must parse and lie in 1970–9999, the window at most 31 days. With a
 * `cursor` and no `from`/`to`, the window is the cursor's (kept by the query service). Throws a
 * 400 naming the parameter.
 */
export function debugSloParams(query: Record<string, string>, nowMs: number): DebugSloRequest {
  const q = parseQuery(DebugSloQuery, query)
  const keepWindow = q.cursor !== undefined && q.from === undefined && q.to === undefined
  const window = keepWindow ? {} : windowOf(q, nowMs)
  const optional = { namespace: q.namespace, result: q.result, code: q.code, owner: q.owner }
  return {
    type: q.type,
    ...window,
    limit: q.limit ?? 500,
    ...(q.cursor === undefined ? {} : { cursor: q.cursor }),
    ...Object.fromEntries(Object.entries(optional).filter(([, x]) => x !== undefined)),
  }
}

/** Pod search parameters: `namespace`, `q`, `result`, `limit` 1–1000 (default 100), `cursor`. */
export function podsParams(query: Record<string, string>): PodsRequest {
  const q = parseQuery(PodsQuery, query)
  const optional = { namespace: q.namespace, q: q.q, result: q.result, cursor: q.cursor }
  return {
    limit: q.limit ?? 100,
    ...Object.fromEntries(Object.entries(optional).filter(([, x]) => x !== undefined)),
  }
}
