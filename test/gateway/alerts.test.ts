import assert from 'node:assert/strict'
import { describe, it, type TestContext } from 'node:test'
import { Hono } from 'hono'
import { EmbeddedBus } from '../../actors/runtime/bus/embedded-bus.ts'
import { createApp } from '../../gateway/app.ts'
import type { GatewayEnv } from '../../gateway/ports.ts'
import { alertRoutes } from '../../gateway/routes/alerts.ts'
import { alertSubject } from '../../protocol/alert.ts'
import { ALERTS_STREAM, allAlertsSubject } from '../../protocol/subjects.ts'
import { fakeAlert } from '../support/alerts.ts'
import { readSse } from '../support/sse-client.ts'
import { FakeBus, memoryLog } from './fake-bus.ts'

const enc = new TextEncoder()

async function world(t: TestContext, alerts: { maxStreams?: number; heartbeatMs?: number } = {}) {
  const bus = new EmbeddedBus()
  await bus.ensureStream({
    name: ALERTS_STREAM,
    subjects: [allAlertsSubject],
    maxAgeMs: 0,
    maxBytes: -1,
    duplicateWindowMs: 60_000,
  })
  t.after(() => bus.close())
  const app = createApp({
    bus,
    partitions: 2,
    ignoredNamespaces: new Set(),
    webhook: {},
    alerts,
    log: memoryLog(),
  })
  const publish = (i: number, ns = 'shop') =>
    bus.emit(alertSubject(ns), enc.encode(JSON.stringify(fakeAlert(i, ns))))
  return { bus, app, publish }
}

describe('GET /api/v1/alerts/stream (embedded bus)', () => {
  it('sends each alert stored after connecting once, as event: alert with the stream sequence as id', async (t) => {
    const { app, publish } = await world(t)
    publish(0) // before the client: not sent to a new client
    const res = await app.request('/api/v1/alerts/stream')
    assert.equal(res.status, 200)
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/)
    const sse = readSse(res)
    t.after(() => sse.close())
    await new Promise((r) => setTimeout(r, 20))
    publish(1)
    publish(2, 'other')
    const events = await sse.events(2)
    assert.deepEqual(
      events.map((e) => [e.event, e.id, JSON.parse(e.data).id]),
      [
        ['alert', '2', 'uid-1:create:violated'],
        ['alert', '3', 'uid-2:create:violated'],
      ],
    )
    assert.deepEqual(JSON.parse(events[0]?.data ?? ''), fakeAlert(1))
    await new Promise((r) => setTimeout(r, 50))
    assert.equal((await sse.events(2)).length, 2, 'nothing twice')
  })

  it('Last-Event-ID resumes after that event: what was missed, nothing before', async (t) => {
    const { app, publish } = await world(t)
    const first = readSse(await app.request('/api/v1/alerts/stream'))
    await new Promise((r) => setTimeout(r, 20))
    publish(1)
    const [seen] = await first.events(1)
    await first.close()
    publish(2)
    publish(3)
    const again = readSse(
      await app.request('/api/v1/alerts/stream', { headers: { 'last-event-id': seen?.id ?? '' } }),
    )
    t.after(() => again.close())
    const events = await again.events(2)
    assert.deepEqual(
      events.map((e) => JSON.parse(e.data).uid),
      ['uid-2', 'uid-3'],
    )
  })

  it('?namespace= keeps one namespace; the caller scope drops the others (fake scope middleware)', async (t) => {
    const { bus, app, publish } = await world(t)
    const one = readSse(await app.request('/api/v1/alerts/stream?namespace=shop'))
    t.after(() => one.close())
    const scoped = new Hono<GatewayEnv>()
    scoped.use('*', async (c, next) => {
      c.set('namespaces', ['team-a'])
      await next()
    })
    scoped.route('/', alertRoutes({ bus }))
    const limited = readSse(await scoped.request('/alerts/stream'))
    t.after(() => limited.close())
    await new Promise((r) => setTimeout(r, 20))
    publish(1, 'team-b')
    publish(2, 'shop')
    publish(3, 'team-a')
    assert.deepEqual(
      (await one.events(1)).map((e) => JSON.parse(e.data).uid),
      ['uid-2'],
    )
    assert.deepEqual(
      (await limited.events(1)).map((e) => JSON.parse(e.data).uid),
      ['uid-3'],
    )
    await new Promise((r) => setTimeout(r, 50))
    assert.equal((await one.events(1)).length, 1)
    assert.equal((await limited.events(1)).length, 1)
  })

  it('sends heartbeat comments; bounds the open streams (503 + Retry-After), freed on close', async (t) => {
    const { app } = await world(t, { maxStreams: 1, heartbeatMs: 20 })
    const a = readSse(await app.request('/api/v1/alerts/stream'))
    const refused = await app.request('/api/v1/alerts/stream')
    assert.equal(refused.status, 503)
    assert.equal(refused.headers.get('retry-after'), '5')
    await new Promise((r) => setTimeout(r, 80))
    assert.match(a.text(), /\n: heartbeat\n\n/)
    await a.close()
    const b = await app.request('/api/v1/alerts/stream')
    assert.equal(b.status, 200)
    await readSse(b).close()
  })

  it('a malformed Last-Event-ID, an unknown parameter or a bad namespace is a 400 naming it; no stream support is 503', async (t) => {
    const { app } = await world(t)
    for (const [init, path, name] of [
      [{ headers: { 'last-event-id': 'abc' } }, '/api/v1/alerts/stream', 'Last-Event-ID'],
      [{}, '/api/v1/alerts/stream?since=1', 'since'],
      [{}, '/api/v1/alerts/stream?namespace=Bad_NS', 'namespace'],
    ] as const) {
      const res = await app.request(path, init)
      assert.equal(res.status, 400)
      const body = (await res.json()) as { error: { message: string } }
      assert.ok(body.error.message.startsWith(`${name}:`), body.error.message)
    }
    const plain = createApp({
      bus: new FakeBus(),
      partitions: 1,
      ignoredNamespaces: new Set(),
      webhook: {},
      log: memoryLog(),
    })
    assert.equal((await plain.request('/api/v1/alerts/stream')).status, 503)
  })
})
