import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { describe, it } from 'node:test'
import { createApp } from '../../gateway/app.ts'
import { FakeBus, memoryLog } from './fake-bus.ts'
import { errorOf, P, post, setup, type WebhookReply } from './webhook-helpers.ts'

describe('gateway basics', () => {
  it('healthz, readyz, metrics, and JSON 404s', async () => {
    const { app, registry } = setup()
    const health = await app.request('/healthz')
    assert.equal(health.status, 200)
    assert.equal(await health.text(), 'ok')
    assert.equal((await app.request('/readyz')).status, 200)
    const metrics = await app.request('/metrics')
    assert.equal(metrics.status, 200)
    assert.equal(metrics.headers.get('content-type'), registry.contentType)
    assert.match(await metrics.text(), /lunettes_webhook_rejected_total/)
    const missing = await app.request('/nope')
    assert.equal(missing.status, 404)
    assert.equal((await errorOf(missing)).code, 'NotFound')
    assert.equal((await app.request('/audit/webhook')).status, 404, 'GET is not a route')
  })

  it('readyz is 503 when the check fails, throws or hangs', async () => {
    for (const ready of [
      async () => false,
      async () => {
        throw new Error('down')
      },
      () => new Promise<boolean>(() => {}),
    ]) {
      const app = createApp({
        bus: new FakeBus(),
        partitions: P,
        ignoredNamespaces: new Set(),
        webhook: {},
        ready,
        log: memoryLog(),
      })
      assert.equal((await app.request('/readyz')).status, 503)
    }
  })

  it('without a registry there is no /metrics', async () => {
    const app = createApp({
      bus: new FakeBus(),
      partitions: P,
      ignoredNamespaces: new Set(),
      webhook: {},
      log: memoryLog(),
    })
    assert.equal((await app.request('/metrics')).status, 404)
  })

  it('the shipped EventList fixture is accepted whole', async () => {
    const { app } = setup()
    const body = await readFile('test/fixtures/audit/eventlist.json', 'utf8')
    const res = await app.request('/audit/webhook', post(body))
    assert.equal(res.status, 200)
    const out = (await res.json()) as WebhookReply
    assert.equal(out.rejected, 0)
    assert.ok(out.signals > 0)
  })
})
