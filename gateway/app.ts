import { Hono } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { Registry } from 'prom-client'
import { accessLog } from './access-log.ts'
import { metricsAuth } from './auth.ts'
import { type ApiAuthOptions, apiAuth } from './auth-api.ts'
import { errorResponse } from './errors.ts'
import { type LoadLimits, refusalCounter } from './limits.ts'
import type { GatewayBus, GatewayEnv, GatewayLog } from './ports.ts'
import { type AlertStreamOptions, alertRoutes } from './routes/alerts.ts'
import { openApiRoutes } from './routes/openapi.ts'
import { queryRoutes } from './routes/queries.ts'
import { uiRoutes } from './routes/ui.ts'
import { type WebhookOptions, webhookRoutes } from './routes/webhook.ts'
import { securityHeaders } from './security-headers.ts'
import { webhookMetrics } from './webhook-metrics.ts'

/** Everything the gateway app depends on; nothing here opens a socket. */
export interface AppDeps {
  /** The bus (the actors' `Bus` fits): webhook publishes, query requests. */
  readonly bus: GatewayBus
  /** Signal partitions P (must match the actor hosts'). */
  readonly partitions: number
  /** Namespaces whose audit events are dropped (`SloConfig.ignoredNamespaceForAudit`). */
  readonly ignoredNamespaces: ReadonlySet<string>
  readonly webhook: WebhookOptions
  /** Query API authentication (read tokens, Kubernetes); absent: open (loopback only). */
  readonly api?: ApiAuthOptions | undefined
  /** `LUNETTES_METRICS_TOKEN`: bearer token required on `GET /metrics`; absent: open. */
  readonly metricsToken?: string | undefined
  /** How long a query waits for the query service, ms (default 5000). */
  readonly queryTimeoutMs?: number | undefined
  /** Where the webhook counters go and what `GET /metrics` serves; absent: no /metrics. */
  readonly registry?: Registry | undefined
  /** Readiness check for `GET /readyz` (e.g. the bus is connected); absent: always ready. */
  readonly ready?: (() => Promise<boolean>) | undefined
  /** Wall clock, epoch ms (default `Date.now`). */
  readonly now?: (() => number) | undefined
  /** In-flight bounds and the per-client query rate (defaults in `limits.ts`). */
  readonly limits?: LoadLimits | undefined
  /** The alert stream's bounds (open streams, heartbeat); the bus comes from `bus`. */
  readonly alerts?: Omit<AlertStreamOptions, 'bus' | 'refused' | 'log'> | undefined
  readonly log: GatewayLog
}

/** Default time a query waits for the query service. */
export const DEFAULT_QUERY_TIMEOUT_MS = 5000
/** A readiness check slower than this counts as not ready. */
const READY_TIMEOUT_MS = 2000

async function isReady(check: () => Promise<boolean>): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), READY_TIMEOUT_MS)
  })
  try {
    return await Promise.race([check().catch(() => false), timeout])
  } finally {
    clearTimeout(timer)
  }
}

/** The request id a request-id middleware put in the context (`c.var.requestId`), if any. */
function requestIdOf(vars: object): string | undefined {
  const id: unknown = (vars as { requestId?: unknown }).requestId
  return typeof id === 'string' && id.length > 0 ? id : undefined
}

/**
 * The gateway as a Hono app: `POST /audit/webhook`, `GET /api/v1/debugpod`, `GET /api/v1/debugslo`,
 * `GET /healthz`, `GET /readyz` and, with a registry, `GET /metrics`. Errors are answered in one
 * place as `{"error":{"code","message"}}`. Serve it with `startGateway` or test it with
 * `app.request()`.
 */
export function createApp(deps: AppDeps): Hono<GatewayEnv> {
  const { registry, log } = deps
  const refused = refusalCounter(registry)
  const app = new Hono<GatewayEnv>()
  app.use(accessLog(log), securityHeaders())

  app.get('/healthz', (c) => c.text('ok'))
  app.get('/readyz', async (c) => {
    const ok = deps.ready ? await isReady(deps.ready) : true
    return ok ? c.text('ready') : c.text('not ready', 503)
  })
  if (registry) {
    app.get('/metrics', metricsAuth(deps.metricsToken), async (c) =>
      c.body(await registry.metrics(), 200, { 'content-type': registry.contentType }),
    )
  }
  app.route(
    '/audit',
    webhookRoutes({
      bus: deps.bus,
      partitions: deps.partitions,
      ignoredNamespaces: deps.ignoredNamespaces,
      webhook: deps.webhook,
      metrics: webhookMetrics(registry),
      log,
      maxInflight: deps.limits?.webhookMaxInflight,
      now: deps.now,
      refused,
    }),
  )
  const foreignTokens = [deps.webhook.token, deps.metricsToken].filter((t) => t !== undefined)
  app.use('/api/*', apiAuth(deps.api && { ...deps.api, foreignTokens }, log))
  // Before the query routes: a stream must not hold a query in-flight slot for its lifetime.
  app.route('/api/v1', alertRoutes({ ...deps.alerts, bus: deps.bus, refused, log }))
  app.route(
    '/api/v1',
    queryRoutes({
      bus: deps.bus,
      queryTimeoutMs: deps.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS,
      now: deps.now ?? Date.now,
      limits: deps.limits,
      refused,
      log,
    }),
  )
  app.route('/', uiRoutes())
  app.route('/', openApiRoutes())

  app.notFound((c) => errorResponse(404, 'NotFound', `no route for ${c.req.method} ${c.req.path}`))
  app.onError((err, c) => {
    if (err instanceof HTTPException) return err.getResponse()
    // The detail goes to the log under an id the client can quote; the client gets neither the
    // message nor the stack.
    const requestId = requestIdOf(c.var) ?? crypto.randomUUID()
    log.error(
      { err: err.message, name: err.name, method: c.req.method, path: c.req.path, requestId },
      'gateway request failed',
    )
    return errorResponse(500, 'Internal', `internal error (request id ${requestId})`, {
      'x-request-id': requestId,
    })
  })
  return app
}
