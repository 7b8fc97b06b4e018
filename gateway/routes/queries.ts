import { Hono } from 'hono'
import * as v from 'valibot'
import { QueryError } from '../../protocol/queries.ts'
import { querySubject } from '../../protocol/subjects.ts'
import { errorResponse, httpError } from '../errors.ts'
import {
  DEFAULT_QUERY_MAX_INFLIGHT,
  DEFAULT_QUERY_RATE,
  inflightLimit,
  type LoadLimits,
  type RefusalCounter,
  rateLimit,
} from '../limits.ts'
import {
  BUS_ERRORS,
  type GatewayBus,
  type GatewayEnv,
  type GatewayLog,
  isNamedError,
} from '../ports.ts'
import { debugPodParams, debugSloParams, podsParams } from '../query-params.ts'

/** What the query routes need. */
export interface QueryDeps {
  readonly bus: GatewayBus
  /** How long to wait for the query service, ms. */
  readonly queryTimeoutMs: number
  /** Wall clock, epoch ms (the default debugslo window ends now; rate-limit buckets refill). */
  readonly now: () => number
  readonly limits?: LoadLimits | undefined
  readonly refused?: RefusalCounter | undefined
  readonly log?: GatewayLog | undefined
}

const encoder = new TextEncoder()
const decoder = new TextDecoder()

const STATUS_OF = { NotFound: 404, BadRequest: 400, Internal: 500 } as const

/**
 * Asks the actor hosts' query service `name` over the bus and relays its reply: the reply's bytes
 * unchanged on success, its `{"error"}` with 404/400/500; no responders → 503, timeout → 504.
 */
async function ask(
  deps: QueryDeps,
  name: string,
  request: object,
  namespaces: readonly string[] | null | undefined,
): Promise<Response> {
  // The caller's scope travels with the query: the query service filters by it.
  const scoped = namespaces ? { ...request, namespaces } : request
  let reply: Uint8Array
  try {
    reply = await deps.bus.request(
      querySubject(name),
      encoder.encode(JSON.stringify(scoped)),
      deps.queryTimeoutMs,
    )
  } catch (err: unknown) {
    if (isNamedError(err, BUS_ERRORS.noResponders)) {
      throw httpError(503, 'Unavailable', `no query service answers ${name} queries`)
    }
    if (isNamedError(err, BUS_ERRORS.timeout)) {
      throw httpError(504, 'Timeout', `the ${name} query timed out after ${deps.queryTimeoutMs} ms`)
    }
    if (isNamedError(err, BUS_ERRORS.unavailable)) {
      throw httpError(503, 'Unavailable', 'the message bus is unavailable')
    }
    throw err
  }
  const text = decoder.decode(reply)
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    throw httpError(502, 'BadGateway', `the ${name} query service sent a reply that is not JSON`)
  }
  const failure = v.safeParse(QueryError, json)
  if (failure.success && failure.output.error.code === 'Internal') {
    // The query service's own failure text (store errors…) stays in our logs, not the client's.
    const requestId = crypto.randomUUID()
    deps.log?.error(
      { query: name, requestId, err: failure.output.error.message.slice(0, 500) },
      'query service failed',
    )
    return errorResponse(500, 'Internal', `internal error (request id ${requestId})`, {
      'x-request-id': requestId,
    })
  }
  const status = failure.success ? STATUS_OF[failure.output.error.code] : 200
  return new Response(text, {
    status,
    headers: { 'content-type': 'application/json; charset=UTF-8' },
  })
}

/**
 * `GET /debugpod?uid=…|namespace=…&name=…`, `GET /debugslo?namespace=&type=&result=&code=&owner=
 * &from=&to=&limit=&cursor=` and `GET /pods?namespace=&q=&result=&limit=&cursor=` (search):
 * parameters validated here (400 naming the parameter), answered by the query service over the
 * bus, within the caller's namespaces.
 * Each client gets `queryRate` requests per second (429 + Retry-After past it) and at most
 * `queryMaxInflight` queries run at once (503 + Retry-After past it).
 */
export function queryRoutes(deps: QueryDeps): Hono<GatewayEnv> {
  const app = new Hono<GatewayEnv>()
  const refused = deps.refused ?? (() => {})
  const rate = deps.limits?.queryRate ?? DEFAULT_QUERY_RATE
  // Rate first: a client over its rate does not take an in-flight slot from the others.
  if (rate > 0) app.use('*', rateLimit({ rate, route: 'query', refused, now: deps.now }))
  const max = deps.limits?.queryMaxInflight ?? DEFAULT_QUERY_MAX_INFLIGHT
  app.use('*', inflightLimit({ max, route: 'query', refused }))
  app.get('/debugpod', (c) =>
    ask(deps, 'debugpod', debugPodParams(c.req.query()), c.get('namespaces')),
  )
  app.get('/debugslo', (c) =>
    ask(deps, 'debugslo', debugSloParams(c.req.query(), deps.now()), c.get('namespaces')),
  )
  app.get('/pods', (c) => ask(deps, 'pods', podsParams(c.req.query()), c.get('namespaces')))
  return app
}
