import { Counter, type Registry } from 'prom-client'

/** The webhook's self-metrics; no-ops when the gateway runs without a registry. */
export interface WebhookMetrics {
  /** Malformed audit events, by `reason` (see `rejectReason`). */
  rejected(reason: string, n: number): void
  /** Audit events of accepted batches, by outcome: `accepted`, `dropped`, `rejected`. */
  events(outcome: 'accepted' | 'dropped' | 'rejected', n: number): void
  /** Webhook requests by HTTP status. */
  request(status: number): void
  /** Signals of accepted batches whose messages were cut to fit the bus. */
  trimmed(n: number): void
}

function counter(registry: Registry, name: string, help: string, labelNames: string[]) {
  const existing = registry.getSingleMetric(name)
  if (existing instanceof Counter) return existing
  return new Counter({ name, help, labelNames, registers: [registry] })
}

/** Registers (or reuses) the webhook counters on `registry`. */
export function webhookMetrics(registry: Registry | undefined): WebhookMetrics {
  if (!registry) return { rejected() {}, events() {}, request() {}, trimmed() {} }
  const rejected = counter(
    registry,
    'lunettes_webhook_rejected_total',
    'Malformed audit events received on the webhook, by reason.',
    ['reason'],
  )
  const events = counter(
    registry,
    'lunettes_webhook_events_total',
    'Audit events of webhook batches answered 200, by outcome (accepted, dropped, rejected).',
    ['outcome'],
  )
  const requests = counter(
    registry,
    'lunettes_webhook_requests_total',
    'Audit webhook requests by HTTP status code.',
    ['code'],
  )
  const trimmed = counter(
    registry,
    'lunettes_webhook_trimmed_total',
    'Signals of webhook batches answered 200 whose messages were cut to fit the bus payload.',
    [],
  )
  return {
    trimmed(n) {
      if (n > 0) trimmed.inc(n)
    },
    rejected(reason, n) {
      if (n > 0) rejected.inc({ reason }, n)
    },
    events(outcome, n) {
      if (n > 0) events.inc({ outcome }, n)
    },
    request(status) {
      requests.inc({ code: String(status) })
    },
  }
}
