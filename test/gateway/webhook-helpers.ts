import assert from 'node:assert/strict'
import { Registry } from 'prom-client'
import { createApp } from '../../gateway/app.ts'
import type { WebhookOptions } from '../../gateway/routes/webhook.ts'
import type { AuditEvent } from '../../protocol/k8s-audit.ts'
import { podLifecycle } from '../support/audit-fixtures.ts'
import { MIXED_PODS } from '../support/audit-fixtures-catalog.ts'
import { FakeBus, memoryLog } from './fake-bus.ts'

export const TOKEN = 's3cr3t-webhook-token'
export const P = 32

export function setup(webhook: WebhookOptions = { token: TOKEN }) {
  const bus = new FakeBus()
  const registry = new Registry()
  const log = memoryLog()
  const app = createApp({
    bus,
    partitions: P,
    ignoredNamespaces: new Set(),
    webhook,
    registry,
    log,
  })
  return { app, bus, registry, log }
}

export function eventList(items: unknown[], apiVersion = 'audit.k8s.io/v1') {
  return JSON.stringify({ kind: 'EventList', apiVersion, metadata: {}, items })
}

export function post(
  body: NonNullable<RequestInit['body']>,
  headers: Record<string, string> = {},
): RequestInit {
  return {
    method: 'POST',
    body,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...headers },
  }
}

export async function errorOf(res: Response) {
  const body = (await res.json()) as { error: { code: string; message: string } }
  assert.equal(typeof body.error.message, 'string')
  return body.error
}

export const happy = (): AuditEvent[] => podLifecycle(MIXED_PODS.happy)

export async function metric(registry: Registry, name: string): Promise<Record<string, number>> {
  const m = await registry.getSingleMetric(name)?.get()
  const out: Record<string, number> = {}
  for (const v of m?.values ?? []) out[Object.values(v.labels).join(',')] = v.value
  return out
}

/** The webhook's 200 answer. */
export interface WebhookReply {
  accepted: number
  signals: number
  rejected: number
  dropped: number
  /** Signals whose messages were cut to fit the bus. */
  trimmed: number
}
