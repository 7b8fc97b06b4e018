import { Hono } from 'hono'
import * as v from 'valibot'
import { batchMessages, DEFAULT_BATCH_BYTES } from '../../protocol/envelope-batch.ts'
import { AuditEventListEnvelope, eventListSizeProblem } from '../../protocol/k8s-audit.ts'
import { oldestAuditTime, WatermarkTagger } from '../../protocol/watermark.ts'
import { type WebhookAuthOptions, webhookAuth } from '../auth.ts'
import { httpError } from '../errors.ts'
import { ingestAuditItems } from '../ingest.ts'
import { DEFAULT_WEBHOOK_MAX_INFLIGHT, inflightLimit, type RefusalCounter } from '../limits.ts'
import { DEFAULT_MAX_PAYLOAD, dataBudget } from '../payload-fit.ts'
import {
  BUS_ERRORS,
  type GatewayBus,
  type GatewayEnv,
  type GatewayLog,
  isNamedError,
} from '../ports.ts'
import { DEFAULT_MAX_BODY_BYTES, readBodyLimited } from '../read-body.ts'
import type { WebhookMetrics } from '../webhook-metrics.ts'
import { webhookSource } from '../webhook-source.ts'

/** Webhook settings (`LUNETTES_WEBHOOK_TOKEN`, `LUNETTES_WEBHOOK_MAX_BYTES`, client CA). */
export interface WebhookOptions extends WebhookAuthOptions {
  /** Largest accepted body in bytes (default 10 MiB). */
  readonly maxBodyBytes?: number | undefined
}

/** What the webhook route needs. */
export interface WebhookDeps {
  readonly bus: GatewayBus
  readonly partitions: number
  readonly ignoredNamespaces: ReadonlySet<string>
  readonly webhook: WebhookOptions
  readonly metrics: WebhookMetrics
  readonly log: GatewayLog
  /** Batches handled at once (default 32); more are answered 503 + Retry-After, unread. */
  readonly maxInflight?: number | undefined
  readonly refused?: RefusalCounter | undefined
  /** Wall clock, epoch ms (default `Date.now`): the send time of the batch's watermark. */
  readonly now?: (() => number) | undefined
}

/** As long as any batch message's dedupe id (`batch:<32 hex>:<count>`). */
const BATCH_ID_SAMPLE = `batch:${'0'.repeat(32)}:00000`

/** Seconds the API server should wait before retrying a batch the bus could not take. */
export const RETRY_AFTER_SECONDS = 5

const AUDIT_API_VERSIONS = new Set(['audit.k8s.io/v1', 'audit.k8s.io/v1beta1'])
const decoder = new TextDecoder('utf-8', { fatal: true })

function parseEventList(bytes: Uint8Array): unknown[] {
  let body: unknown
  try {
    body = JSON.parse(decoder.decode(bytes))
  } catch {
    throw httpError(400, 'BadRequest', 'request body is not valid UTF-8 JSON')
  }
  const parsed = v.safeParse(AuditEventListEnvelope, body)
  if (!parsed.success) {
    const issue = parsed.issues[0]
    const path = v.getDotPath(issue)
    throw httpError(
      400,
      'BadRequest',
      `request body is not an audit EventList${path ? ` (field ${path})` : ''}`,
    )
  }
  const { apiVersion } = parsed.output
  if (apiVersion === undefined || !AUDIT_API_VERSIONS.has(apiVersion)) {
    throw httpError(
      400,
      'BadRequest',
      'request body is not an audit EventList: apiVersion must be audit.k8s.io/v1 or audit.k8s.io/v1beta1',
    )
  }
  const items = parsed.output.items ?? []
  // Refused whole, before any item is normalised: the API server splits and retries.
  const tooMany = eventListSizeProblem(items)
  if (tooMany) throw httpError(413, 'PayloadTooLarge', tooMany)
  return items
}

/** Whether a Content-Type header is `application/json` (parameters such as charset allowed). */
function isJson(contentType: string | undefined): boolean {
  return contentType?.split(';')[0]?.trim().toLowerCase() === 'application/json'
}

/**
 * `POST /audit/webhook`: the API server's audit webhook backend. Authenticates, reads at most
 * `maxBodyBytes`, normalises every item of the EventList on its own (a signal too big for the bus
 * is trimmed, or its item rejected as `oversized`), publishes all signals of the batch in one bus
 * call (one message per partition, `batchMessages`) and answers 200 only once the bus stored them (503 + `Retry-After` when it
 * cannot, so the API server retries; re-sent events are deduplicated by signal id).
 */
export function webhookRoutes(deps: WebhookDeps): Hono<GatewayEnv> {
  const { bus, partitions, ignoredNamespaces, webhook, metrics, log } = deps
  const maxBodyBytes = webhook.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES
  const limit = inflightLimit({
    max: deps.maxInflight ?? DEFAULT_WEBHOOK_MAX_INFLIGHT,
    route: 'webhook',
    refused: deps.refused ?? (() => {}),
  })
  const watermarks = new WatermarkTagger({ partitions })
  const now = deps.now ?? Date.now
  const app = new Hono<GatewayEnv>()
  app.use('/webhook', async function countStatus(c, next) {
    await next()
    metrics.request(c.res.status)
  })
  app.post('/webhook', webhookAuth(webhook), limit, async (c) => {
    if (!isJson(c.req.header('content-type'))) {
      throw httpError(415, 'UnsupportedMediaType', 'Content-Type must be application/json')
    }
    const items = parseEventList(await readBodyLimited(c.req.raw, maxBodyBytes))
    const maxPayload = bus.maxPayload?.() ?? DEFAULT_MAX_PAYLOAD
    const batch = ingestAuditItems(items, ignoredNamespaces, maxPayload)
    // One message per partition (and per 100 signals or 64 KiB): one publish acknowledgement each.
    const maxBytes = Math.min(DEFAULT_BATCH_BYTES, dataBudget(maxPayload, BATCH_ID_SAMPLE))
    const signals = batchMessages(batch.signals, partitions, { maxBytes })
    // The source's watermark goes first (watermark.ts): its host then holds alarms while it catches up.
    const source = webhookSource(c)
    const oldest = signals.length > 0 ? oldestAuditTime(items) : undefined
    const marks = watermarks.messages(source, oldest, now() * 1000, signals)
    if (signals.length > 0) {
      try {
        await bus.publish(marks.length > 0 ? [...marks, ...signals] : signals)
      } catch (err: unknown) {
        if (!isNamedError(err, BUS_ERRORS.unavailable)) throw err
        log.warn(
          { err: err.message, items: items.length, signals: batch.signals.length },
          'audit webhook batch refused: bus unavailable',
        )
        throw httpError(503, 'Unavailable', 'the message bus is unavailable; retry later', {
          'retry-after': String(RETRY_AFTER_SECONDS),
        })
      }
    }
    // Counted only once the batch is stored: a batch answered 503 comes again.
    for (const [reason, n] of batch.rejectedBy) metrics.rejected(reason, n)
    metrics.events('accepted', batch.accepted)
    metrics.events('dropped', batch.dropped)
    metrics.events('rejected', batch.rejected)
    metrics.trimmed(batch.trimmed)
    if (batch.firstRejection) {
      log.warn(
        {
          items: items.length,
          rejected: batch.rejected,
          firstIndex: batch.firstRejection.index,
          firstReason: batch.firstRejection.reason,
          firstProblem: batch.firstRejection.problem,
        },
        'audit webhook batch had malformed events',
      )
    }
    return c.json({
      accepted: batch.accepted,
      signals: batch.signals.length,
      rejected: batch.rejected,
      dropped: batch.dropped,
      trimmed: batch.trimmed,
    })
  })
  return app
}
