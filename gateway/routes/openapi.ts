import { toJsonSchema } from '@valibot/to-json-schema'
import { Hono } from 'hono'
import * as v from 'valibot'
import { SloAlert } from '../../protocol/alert.ts'
import { DebugPodReply, DebugSloReply, PodsReply } from '../../protocol/queries.ts'
import type { GatewayEnv } from '../ports.ts'
import { AlertsQuery, DebugPodQuery, DebugSloQuery, PodsQuery } from '../query-params.ts'

/** The gateway's JSON error body (every 4xx and 5xx). */
export const ErrorBody = v.object({
  error: v.object({
    code: v.picklist([
      'BadRequest',
      'Unauthorized',
      'Forbidden',
      'NotFound',
      'PayloadTooLarge',
      'UnsupportedMediaType',
      'TooManyRequests',
      'Unavailable',
      'Timeout',
      'Internal',
      'BadGateway',
    ]),
    message: v.string(),
  }),
})

type Schema = v.GenericSchema
type Json = Record<string, unknown>

const json = (schema: Schema): Json =>
  toJsonSchema(schema, { errorMode: 'ignore', typeMode: 'output', target: 'draft-2020-12' }) as Json
const input = (schema: Schema): Json =>
  toJsonSchema(schema, { errorMode: 'ignore', typeMode: 'input', target: 'draft-2020-12' }) as Json

/** One documented route, keyed by its Hono path (`:param`, `*`). */
interface RouteDoc {
  method: 'get' | 'post'
  path: string
  summary: string
  tag: 'api' | 'ui' | 'ops' | 'ingest'
  query?: v.ObjectEntries
  reply?: { type: string; schema?: Schema; description: string }
  /** HTTP statuses of `{"error"}` answers. */
  errors: number[]
  auth?: 'api' | 'webhook' | 'metrics'
}

const text = (description: string) => ({ type: 'text/plain', description })
const html = { type: 'text/html', description: 'the UI shell (no data; scripts from /assets)' }
const API_ERRORS = [400, 401, 403, 404, 429, 500, 502, 503, 504]

/** Every route of the gateway app, documented. A test checks `app.routes` against this. */
export const ROUTE_DOCS: readonly RouteDoc[] = [
  {
    method: 'get',
    path: '/healthz',
    summary: 'Liveness',
    tag: 'ops',
    reply: text('ok'),
    errors: [],
  },
  {
    method: 'get',
    path: '/readyz',
    summary: 'Readiness (503 while the bus is away)',
    tag: 'ops',
    reply: text('ready'),
    errors: [503],
  },
  {
    method: 'get',
    path: '/metrics',
    summary: 'Prometheus metrics',
    tag: 'ops',
    reply: text('Prometheus text exposition'),
    errors: [401],
    auth: 'metrics',
  },
  {
    method: 'post',
    path: '/audit/webhook',
    summary: 'Audit webhook: an audit.k8s.io/v1 EventList',
    tag: 'ingest',
    reply: { type: 'application/json', description: 'how many entries were taken and rejected' },
    errors: [400, 401, 403, 413, 415, 503],
    auth: 'webhook',
  },
  {
    method: 'get',
    path: '/api/v1/debugpod',
    summary: 'One pod: lifecycle, verdict, diagnosis, events timeline, history, trace',
    tag: 'api',
    query: DebugPodQuery.entries,
    reply: { type: 'application/json', schema: DebugPodReply, description: 'the pod' },
    errors: API_ERRORS,
    auth: 'api',
  },
  {
    method: 'get',
    path: '/api/v1/debugslo',
    summary: 'SLO verdicts of a window: one filtered page and the whole window’s aggregates',
    tag: 'api',
    query: DebugSloQuery.entries,
    reply: { type: 'application/json', schema: DebugSloReply, description: 'page + aggregates' },
    errors: API_ERRORS,
    auth: 'api',
  },
  {
    method: 'get',
    path: '/api/v1/pods',
    summary: 'Pod search by name prefix or UID, paged',
    tag: 'api',
    query: PodsQuery.entries,
    reply: { type: 'application/json', schema: PodsReply, description: 'matching pods' },
    errors: API_ERRORS,
    auth: 'api',
  },
  {
    method: 'get',
    path: '/api/v1/alerts/stream',
    summary:
      'Server-sent events of SLO alerts (event: alert, id: stream sequence, data: alert JSON); ' +
      'send Last-Event-ID to resume; a comment line every 15 s',
    tag: 'api',
    query: AlertsQuery.entries,
    reply: { type: 'text/event-stream', schema: SloAlert, description: 'data of each event' },
    errors: [400, 401, 403, 503],
    auth: 'api',
  },
  {
    method: 'get',
    path: '/openapi.json',
    summary: 'This document',
    tag: 'ops',
    reply: { type: 'application/json', description: 'OpenAPI 3.1' },
    errors: [],
  },
  ...['/', '/slo', '/search', '/pods', '/pods/:namespace/:name'].map(
    (path): RouteDoc => ({
      method: 'get',
      path,
      summary: 'Web UI page',
      tag: 'ui',
      reply: html,
      errors: [],
    }),
  ),
  ...['/favicon.ico', '/favicon.svg', '/assets/*'].map(
    (path): RouteDoc => ({
      method: 'get',
      path,
      summary: 'UI asset',
      tag: 'ui',
      reply: { type: 'application/octet-stream', description: 'the file' },
      errors: [404],
    }),
  ),
]

/** Hono path → OpenAPI path: `:name` → `{name}`, a trailing `*` → `{file}`. */
export function openApiPath(path: string): string {
  return path.replace(/:(\w+)/g, '{$1}').replace(/\*$/, '{file}')
}

const SECURITY = { api: 'apiToken', webhook: 'webhookToken', metrics: 'metricsToken' } as const

function operation(r: RouteDoc): Json {
  const parameters: Json[] = []
  for (const m of r.path.matchAll(/:(\w+)|\*$/g)) {
    parameters.push({
      name: m[1] ?? 'file',
      in: 'path',
      required: true,
      schema: { type: 'string' },
    })
  }
  for (const [name, schema] of Object.entries(r.query ?? {})) {
    parameters.push({
      name,
      in: 'query',
      required: schema.type !== 'optional',
      schema: input(schema),
    })
  }
  if (r.path === '/api/v1/alerts/stream') {
    parameters.push({
      name: 'Last-Event-ID',
      in: 'header',
      schema: { type: 'string', pattern: '^\\d{1,15}$' },
    })
  }
  const responses: Json = {
    200: {
      description: r.reply?.description ?? 'ok',
      content: {
        [r.reply?.type ?? 'text/plain']: { schema: r.reply?.schema ? json(r.reply.schema) : {} },
      },
    },
  }
  for (const status of r.errors) {
    responses[status] = {
      description: 'error',
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
    }
  }
  return {
    summary: r.summary,
    tags: [r.tag],
    ...(parameters.length ? { parameters } : {}),
    responses,
    ...(r.auth ? { security: [{ [SECURITY[r.auth]]: [] }] } : {}),
  }
}

/** The OpenAPI 3.1 document of the gateway, from the valibot schemas. */
export function openApiDocument(): Json {
  const paths: Record<string, Json> = {}
  for (const r of ROUTE_DOCS) {
    const p = openApiPath(r.path)
    paths[p] = { ...paths[p], [r.method]: operation(r) }
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Lunettes gateway',
      version: '1',
      description:
        'Pod lifecycle observability: query API, alert stream, audit webhook, web UI. Errors are ' +
        '`{"error":{"code","message"}}`; a 400 names the parameter at fault.',
    },
    paths,
    components: {
      schemas: { Error: json(ErrorBody) },
      securitySchemes: {
        apiToken: {
          type: 'http',
          scheme: 'bearer',
          description: 'LUNETTES_API_TOKEN or a Kubernetes token',
        },
        webhookToken: {
          type: 'http',
          scheme: 'bearer',
          description: 'LUNETTES_WEBHOOK_TOKEN (or mTLS)',
        },
        metricsToken: { type: 'http', scheme: 'bearer', description: 'LUNETTES_METRICS_TOKEN' },
      },
    },
  }
}

/** `GET /openapi.json`: no data in it, so served without auth (like the UI assets). */
export function openApiRoutes(): Hono<GatewayEnv> {
  const app = new Hono<GatewayEnv>()
  let cached: string | undefined
  app.get('/openapi.json', (c) => {
    cached ??= JSON.stringify(openApiDocument())
    return c.body(cached, 200, { 'content-type': 'application/json; charset=UTF-8' })
  })
  return app
}
