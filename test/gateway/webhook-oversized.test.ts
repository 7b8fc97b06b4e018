import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { DEFAULT_MAX_PAYLOAD } from '../../gateway/payload-fit.ts'
import type { GatewayMessage } from '../../gateway/ports.ts'
import type { AuditEvent } from '../../protocol/k8s-audit.ts'
import { normalizeAuditEvent } from '../../protocol/normalize-audit.ts'
import type { PodSignal } from '../../protocol/pod-signal.ts'
import {
  errorOf,
  eventList,
  happy,
  metric,
  post,
  setup,
  type WebhookReply,
} from './webhook-helpers.ts'

const TWO_MB = 2 * 1024 * 1024

/** The lifecycle with its first Event write carrying a `size`-character message. */
function withHugeEvent(size: number): { items: AuditEvent[]; index: number } {
  const items = happy()
  const index = items.findIndex((e) => e.objectRef?.resource === 'events')
  assert.ok(index >= 0, 'the fixture lifecycle writes Events')
  const message = `Back-off pulling image ${'x'.repeat(size)}`
  const ev = items[index] as AuditEvent & {
    requestObject?: Record<string, unknown>
    responseObject?: Record<string, unknown>
  }
  if (ev.requestObject) ev.requestObject.message = message
  if (ev.responseObject) ev.responseObject.message = message
  return { items, index }
}

function signalsOf(items: readonly AuditEvent[]): PodSignal[] {
  return items.flatMap((item) => {
    const n = normalizeAuditEvent(item, { ignoredNamespaces: new Set() })
    return n.ok ? [...n.signals] : []
  })
}

function decode(m: GatewayMessage): { signal: PodSignal } {
  return JSON.parse(new TextDecoder().decode(m.data)) as { signal: PodSignal }
}

describe('POST /audit/webhook: one oversized item never sinks the batch', () => {
  it('a 2 MB Event message (fake bus enforcing 1 MiB, like NATS) arrives capped and the batch answers 200', async () => {
    const { app, bus, registry } = setup()
    bus.enforcedMaxPayload = DEFAULT_MAX_PAYLOAD
    const { items } = withHugeEvent(TWO_MB)
    const res = await app.request('/audit/webhook', post(eventList(items)))
    assert.equal(res.status, 200, 'a single big Event must not make the batch 503')
    const out = (await res.json()) as WebhookReply
    assert.equal(out.rejected, 0)
    // protocol/ caps the message at 4 KiB already, so the gateway has nothing left to trim.
    assert.equal(out.trimmed, 0)
    const expected = signalsOf(items)
    assert.equal(out.signals, expected.length)
    const published = bus.messages
    assert.deepEqual(
      published.map((m) => m.msgId),
      expected.map((s) => s.id),
      'every signal of the batch reached the bus, in order',
    )
    for (const m of published) assert.ok(m.data.byteLength < DEFAULT_MAX_PAYLOAD)
    const big = published.map(decode).find((m) => m.signal.event?.message.startsWith('Back-off'))
    assert.ok(big, 'the big Event is on the bus, capped')
    assert.match(big.signal.event?.message ?? '', /…\[truncated, \d+ bytes\]$/)
    assert.ok((big.signal.event?.message.length ?? 0) <= 4096)
    assert.deepEqual(await metric(registry, 'lunettes_webhook_trimmed_total'), { '': 0 })
  })

  it('the limit comes from the bus port: a bus reporting 4.5 KiB gets the capped Event trimmed to fit', async () => {
    const { app, bus, registry } = setup()
    bus.reportedMaxPayload = 4608
    bus.enforcedMaxPayload = 4608
    const { items } = withHugeEvent(16 * 1024)
    const res = await app.request('/audit/webhook', post(eventList(items)))
    assert.equal(res.status, 200)
    const out = (await res.json()) as WebhookReply
    assert.equal(out.trimmed, 1, 'a 4 KiB message fits 1 MiB but not a 4.5 KiB payload')
    assert.ok(bus.messages.every((m) => m.data.byteLength + 32 + (m.msgId?.length ?? 0) <= 4608))
    const big = bus.messages.map(decode).find((m) => m.signal.event?.message.startsWith('Back-off'))
    assert.match(big?.signal.event?.message ?? '', /truncated by the gateway: \d+ characters\]$/)
    assert.deepEqual(await metric(registry, 'lunettes_webhook_trimmed_total'), { '': 1 })
  })

  it('an item whose signal cannot fit even trimmed is rejected alone and counted as oversized', async () => {
    const { app, bus, registry } = setup()
    bus.reportedMaxPayload = 16 * 1024
    bus.enforcedMaxPayload = 16 * 1024
    const items = happy()
    const create = items.findIndex(
      (e) => e.objectRef?.resource === 'pods' && e.verb === 'create' && !e.objectRef.subresource,
    )
    assert.ok(create >= 0)
    const pod = items[create] as AuditEvent & { requestObject?: { metadata?: object } }
    const labels = Object.fromEntries(
      Array.from({ length: 400 }, (_, i) => [`team.example.com/l${i}`, 'v'.repeat(60)]),
    )
    for (const o of [
      pod.requestObject,
      (pod as { responseObject?: { metadata?: object } }).responseObject,
    ]) {
      if (o?.metadata) Object.assign(o.metadata, { labels })
    }
    const res = await app.request('/audit/webhook', post(eventList(items)))
    assert.equal(res.status, 200)
    const out = (await res.json()) as WebhookReply
    assert.equal(out.rejected, 1)
    assert.equal(out.accepted, items.length - 1 - out.dropped)
    const rest = signalsOf(items.filter((_, i) => i !== create))
    assert.deepEqual(
      bus.messages.map((m) => m.msgId),
      rest.map((s) => s.id),
      'the other items reached the bus',
    )
    assert.equal((await metric(registry, 'lunettes_webhook_rejected_total')).oversized, 1)
  })

  it('a bus that still refuses (down) answers 503 + Retry-After: nothing was lost to a trim', async () => {
    const { app, bus } = setup()
    bus.down = true
    const res = await app.request('/audit/webhook', post(eventList(happy())))
    assert.equal(res.status, 503)
    assert.ok(res.headers.get('retry-after'))
    assert.equal((await errorOf(res)).code, 'Unavailable')
  })
})
