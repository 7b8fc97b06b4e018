import { Hono } from 'hono'
import * as v from 'valibot'
import { QueryError } from '../../protocol/queries.ts'
import { querySubject } from '../../protocol/subjects.ts'
import { httpError } from '../errors.ts'
import { BUS_ERRORS, type GatewayBus, type GatewayEnv, isNamedError } from '../ports.ts'
import { debugPodParams, debugSloParams } from '../query-params.ts'

/** What the query routes need. */
export interface QueryDeps {
  readonly bus: GatewayBus
  /** How long to wait for the query service, ms. */
  readonly queryTimeoutMs: number
  /** Wall clock, epoch ms (the default debugslo window ends now). */
  readonly now: () => number
}

const encoder = new TextEncoder()
const decoder = new TextDecoder()

const STATUS_OF = { NotFound: 404, BadRequest: 400, Internal: 500 } as const

/**
 * Asks the actor hosts' query service `name` over the bus and relays its reply: the reply's bytes
 * unchanged on success, its `{"error"}` with 404/400/500; no responders → 503, timeout → 504.
 */
async function ask(deps: QueryDeps, name: string, request: unknown): Promise<Response> {
  let reply: Uint8Array
  try {
    reply = await deps.bus.request(
      querySubject(name),
      encoder.encode(JSON.stringify(request)),
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
  const status = failure.success ? STATUS_OF[failure.output.error.code] : 200
  return new Response(text, {
    status,
    headers: { 'content-type': 'application/json; charset=UTF-8' },
  })
}

/**
 * `GET /debugpod?uid=…|namespace=…&name=…` and `GET /debugslo?namespace=&type=&result=&code=&from=
 * &to=&limit=`: parameters validated here (400 naming the parameter), answered by the query
 * service over the bus.
 */
export function queryRoutes(deps: QueryDeps): Hono<GatewayEnv> {
  const app = new Hono<GatewayEnv>()
  app.get('/debugpod', (c) => ask(deps, 'debugpod', debugPodParams(c.req.query())))
  app.get('/debugslo', (c) => ask(deps, 'debugslo', debugSloParams(c.req.query(), deps.now())))
  return app
}
