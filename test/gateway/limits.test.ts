import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Registry } from 'prom-client'
import { createApp } from '../../gateway/app.ts'
import type { LoadLimits } from '../../gateway/limits.ts'
import { podLifecycle } from '../support/audit-fixtures.ts'
import { FakeBus, memoryLog } from './fake-bus.ts'
import { errorOf, eventList, metric, post, TOKEN } from './webhook-helpers.ts'

const NOW = Date.parse('2024-05-15T12:00:00Z')

function limitedApp(limits: LoadLimits, clock = { t: NOW }) {
  const bus = new FakeBus()
  const registry = new Registry()
  const log = memoryLog()
  const app = createApp({
    bus,
    partitions: 4,
    ignoredNamespaces: new Set(),
    webhook: { token: TOKEN },
    limits,
    registry,
    now: () => clock.t,
    log,
  })
  return { app, bus, registry, log, clock }
}

/** A batch about its own pod, so every batch's signals are distinct. */
function batch(i: number): string {
  return eventList(
    podLifecycle({
      namespace: 'load',
      name: `pod-${i}`,
      uid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      node: 'worker-1',
      nodeIP: '10.0.0.1',
      podIP: `10.244.0.${i % 250}`,
      owner: { kind: 'ReplicaSet', name: 'load' },
      createdAt: Date.parse('2024-05-14T09:00:00Z') * 1000 + i * 1000,
    }),
  )
}

function held(bus: FakeBus): () => void {
  let release = () => {}
  bus.gate = new Promise<void>((resolve) => {
    release = resolve
  })
  return () => {
    bus.gate = undefined
    release()
  }
}

describe('load limits (fake bus holding requests in flight)', () => {
  it('webhook: past the in-flight bound, 503 + Retry-After, and a refused batch is never published', async () => {
    const { app, bus, registry } = limitedApp({ webhookMaxInflight: 3 })
    const release = held(bus)
    const first = [0, 1, 2].map((i) => app.request('/audit/webhook', post(batch(i))))
    await bus.untilWaiting(3)
    const refused = await app.request('/audit/webhook', post(batch(3)))
    assert.equal(refused.status, 503)
    assert.equal(refused.headers.get('retry-after'), '1')
    assert.equal((await errorOf(refused)).code, 'Unavailable')
    release()
    const answers = await Promise.all(first)
    assert.deepEqual(
      answers.map((r) => r.status),
      [200, 200, 200],
    )
    const answered = await Promise.all(
      answers.map(async (r) => ((await r.json()) as { signals: number }).signals),
    )
    assert.equal(
      bus.messages.length,
      answered.reduce((a, b) => a + b, 0),
      'published = answered 200',
    )
    assert.ok(
      bus.messages.every((m) => !m.msgId?.includes('00000000-0000-4000-8000-000000000003')),
      'nothing of the refused batch reached the bus',
    )
    const after = await app.request('/audit/webhook', post(batch(3)))
    assert.equal(after.status, 200, 'the slot is free again')
    assert.deepEqual(await metric(registry, 'lunettes_http_refused_total'), {
      'webhook,inflight': 1,
    })
  })

  it('queries: past the in-flight bound, 503 + Retry-After', async () => {
    const { app, bus } = limitedApp({ queryMaxInflight: 2, queryRate: 0 })
    bus.onRequest = async () => ({ pods: [] })
    const release = held(bus)
    const first = [1, 2].map(() => app.request('/api/v1/debugpod?uid=u-1'))
    await bus.untilWaiting(2)
    const refused = await app.request('/api/v1/debugpod?uid=u-1')
    assert.equal(refused.status, 503)
    assert.ok(Number(refused.headers.get('retry-after')) >= 1)
    release()
    assert.deepEqual(
      (await Promise.all(first)).map((r) => r.status),
      [200, 200],
    )
    assert.equal(bus.requests.length, 2, 'the refused query never reached the bus')
  })

  it('queries: a token bucket per client address answers 429 + Retry-After, refilling with the clock', async () => {
    const { app, bus, clock, registry } = limitedApp({ queryRate: 2 })
    bus.onRequest = async () => ({ ok: true })
    const from = (ip: string) => app.request('/api/v1/debugpod?uid=u-1', {}, { remoteAddress: ip })
    for (let i = 0; i < 4; i++) assert.equal((await from('10.0.0.1')).status, 200, `burst ${i}`)
    const limited = await from('10.0.0.1')
    assert.equal(limited.status, 429)
    assert.equal(limited.headers.get('retry-after'), '1')
    assert.equal((await errorOf(limited)).code, 'TooManyRequests')
    assert.equal((await from('10.0.0.2')).status, 200, 'another client has its own bucket')
    clock.t += 500
    assert.equal((await from('10.0.0.1')).status, 200, 'one token back after 500 ms at 2/s')
    assert.equal((await from('10.0.0.1')).status, 429)
    assert.deepEqual(await metric(registry, 'lunettes_http_refused_total'), { 'query,rate': 2 })
  })

  it('a failure inside the gateway answers a generic 500 with a request id; the detail is only logged', async () => {
    const { app, bus, log } = limitedApp({})
    bus.onRequest = async () => {
      throw new Error('ECONNRESET redis://admin:hunter2@10.0.0.9:6379 at RedisStore.#call')
    }
    const res = await app.request('/api/v1/debugpod?uid=u-1')
    assert.equal(res.status, 500)
    const text = await res.text()
    assert.ok(!text.includes('hunter2') && !text.includes('ECONNRESET'), text)
    const id = res.headers.get('x-request-id') ?? ''
    assert.match(text, new RegExp(`request id ${id}`))
    const line = log.lines.find((l) => l.level === 'error')
    assert.ok(line && JSON.stringify(line.obj).includes('ECONNRESET'), 'the detail is logged')
    assert.equal((line.obj as { requestId?: string }).requestId, id)
  })

  it("the query service's Internal text is replaced by a generic message with a request id", async () => {
    const { app, bus, log } = limitedApp({})
    bus.onRequest = async () => ({
      error: {
        code: 'Internal',
        message: 'redis rollups failed: WRONGTYPE at key lunettes:roll:x',
      },
    })
    const res = await app.request('/api/v1/debugslo')
    assert.equal(res.status, 500)
    const error = await errorOf(res)
    assert.equal(error.code, 'Internal')
    assert.ok(!error.message.includes('WRONGTYPE'), error.message)
    assert.match(error.message, /request id [0-9a-f-]{36}/)
    assert.ok(JSON.stringify(log.lines).includes('WRONGTYPE'))
  })

  it('a 31-day window is asked of the query service', async () => {
    const { app, bus } = limitedApp({})
    bus.onRequest = async () => ({ pods: [] })
    const res = await app.request(
      '/api/v1/debugslo?from=2024-04-14T00:00:00Z&to=2024-05-15T00:00:00Z',
    )
    assert.equal(res.status, 200)
    assert.equal(bus.requests.length, 1)
  })
})
