import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createDecider } from '../../actors/lifecycle/decide.ts'
import { createDiagnose } from '../../actors/lifecycle/diagnosis-hook.ts'
import { serveQueries } from '../../actors/query/query-service.ts'
import {
  BusUnavailableError,
  NoRespondersError,
  RequestTimeoutError,
} from '../../actors/runtime/bus/bus.ts'
import { EmbeddedBus } from '../../actors/runtime/bus/embedded-bus.ts'
import { ActorHost } from '../../actors/runtime/host/actor-host.ts'
import { MemoryStore } from '../../actors/runtime/store/memory-store.ts'
import { DEFAULT_SLO_CONFIG } from '../../config/slo-config.ts'
import { createApp } from '../../gateway/app.ts'
import { querySubject } from '../../protocol/subjects.ts'
import { podLifecycle } from '../support/audit-fixtures.ts'
import { MIXED_PODS } from '../support/audit-fixtures-catalog.ts'
import { FakeBus, memoryLog } from './fake-bus.ts'
import { errorOf, eventList } from './webhook-helpers.ts'

const NOW = Date.parse('2024-05-15T12:00:00Z')
const FIXTURE_START_US = Date.parse('2024-05-14T09:00:00Z') * 1000

function fakeApp(queryTimeoutMs = 1234) {
  const bus = new FakeBus()
  const app = createApp({
    bus,
    partitions: 4,
    ignoredNamespaces: new Set(),
    webhook: {},
    queryTimeoutMs,
    now: () => NOW,
    log: memoryLog(),
  })
  return { bus, app }
}

describe('query endpoints with a fake bus', () => {
  for (const [path, parameter] of [
    ['/api/v1/debugpod', 'namespace'],
    ['/api/v1/debugpod?uid=', 'uid'],
    [`/api/v1/debugpod?uid=${'x'.repeat(129)}`, 'uid'],
    ['/api/v1/debugpod?namespace=shop', 'name'],
    ['/api/v1/debugpod?name=web', 'namespace'],
    ['/api/v1/debugslo?type=restart', 'type'],
    ['/api/v1/debugslo?from=yesterday', 'from'],
    ['/api/v1/debugslo?to=2024-05-14', 'to'],
    ['/api/v1/debugslo?limit=0', 'limit'],
    ['/api/v1/debugslo?limit=5001', 'limit'],
    ['/api/v1/debugslo?limit=ten', 'limit'],
    ['/api/v1/debugslo?namespace=', 'namespace'],
    ['/api/v1/debugslo?from=2024-05-14T10:00:00Z&to=2024-05-14T09:00:00Z', 'to'],
    ['/api/v1/debugslo?from=2024-02-14T00:00:00Z&to=2024-05-14T00:00:00Z', 'from'],
    ['/api/v1/debugslo?from=1960-01-01T00:00:00Z&to=2024-05-14T00:00:00Z', 'from'],
    ['/api/v1/debugslo?from=1969-12-31T00:00:00Z&to=1970-01-01T01:00:00Z', 'from'],
    ['/api/v1/debugslo?to=1960-01-01T00:00:00Z', 'to'],
    ['/api/v1/debugslo?to=1970-01-01T01:00:00Z', 'from'],
    ['/api/v1/debugslo?from=2024-13-45T00:00:00Z', 'from'],
    ['/api/v1/debugslo?from=2024-05-14T00:00:00Z&to=+275760-09-13T00:00:00Z', 'to'],
  ] as const) {
    it(`400 naming ${parameter} for ${path}`, async () => {
      const { app, bus } = fakeApp()
      const res = await app.request(path)
      assert.equal(res.status, 400)
      const error = await errorOf(res)
      assert.equal(error.code, 'BadRequest')
      assert.ok(error.message.startsWith(`${parameter}:`), error.message)
      assert.equal(bus.requests.length, 0, 'invalid queries never reach the bus')
    })
  }

  it('debugpod asks lunettes.query.debugpod and relays the reply bytes', async () => {
    const { app, bus } = fakeApp()
    const reply = '{"v":1,"uid":"u-1","history":[]}'
    bus.onRequest = async () => reply
    const byUid = await app.request('/api/v1/debugpod?uid=u-1&namespace=ignored')
    assert.equal(byUid.status, 200)
    assert.equal(await byUid.text(), reply)
    await app.request('/api/v1/debugpod?namespace=shop&name=web-1')
    assert.deepEqual(bus.requests, [
      { subject: querySubject('debugpod'), body: { uid: 'u-1' }, timeoutMs: 1234 },
      {
        subject: querySubject('debugpod'),
        body: { namespace: 'shop', name: 'web-1' },
        timeoutMs: 1234,
      },
    ])
  })

  it('debugslo: defaults to the last 24 h by the injected clock; passes every filter', async () => {
    const { app, bus } = fakeApp()
    bus.onRequest = async () => ({ pods: [] })
    assert.equal((await app.request('/api/v1/debugslo')).status, 200)
    await app.request(
      '/api/v1/debugslo?namespace=shop&type=delete&result=late&code=ImagePullFailed&to=2024-05-14T10:00:00.5Z&limit=20',
    )
    assert.deepEqual(
      bus.requests.map((r) => r.body),
      [
        {
          type: 'create',
          from: '2024-05-14T12:00:00.000Z',
          to: '2024-05-15T12:00:00.000Z',
          limit: 500,
        },
        {
          type: 'delete',
          namespace: 'shop',
          result: 'late',
          code: 'ImagePullFailed',
          from: '2024-05-13T10:00:00.500Z',
          to: '2024-05-14T10:00:00.5Z',
          limit: 20,
        },
      ],
    )
    assert.equal(bus.requests[0]?.subject, querySubject('debugslo'))
  })

  const failures: [string, () => unknown, number, string][] = [
    [
      'a NotFound reply',
      () => ({ error: { code: 'NotFound', message: 'no pod' } }),
      404,
      'NotFound',
    ],
    [
      'a BadRequest reply',
      () => ({ error: { code: 'BadRequest', message: 'x' } }),
      400,
      'BadRequest',
    ],
    ['an Internal reply', () => ({ error: { code: 'Internal', message: 'x' } }), 500, 'Internal'],
    ['a reply that is not JSON', () => 'garbage', 502, 'BadGateway'],
    [
      'no responders',
      () => {
        throw new NoRespondersError('lunettes.query.debugpod')
      },
      503,
      'Unavailable',
    ],
    [
      'a timeout',
      () => {
        throw new RequestTimeoutError('lunettes.query.debugpod', 1234)
      },
      504,
      'Timeout',
    ],
    [
      'the bus being unavailable',
      () => {
        throw new BusUnavailableError('down')
      },
      503,
      'Unavailable',
    ],
  ]
  for (const [what, answer, status, code] of failures) {
    it(`${status} ${code} on ${what}`, async () => {
      const { app, bus } = fakeApp()
      bus.onRequest = async () => answer()
      for (const path of ['/api/v1/debugpod?uid=u-1', '/api/v1/debugslo']) {
        const res = await app.request(path)
        assert.equal(res.status, status)
        assert.equal((await errorOf(res)).code, code)
      }
    })
  }
})

describe('query endpoints on the embedded bus', () => {
  it('webhook → actors → debugpod/debugslo over HTTP equal the bus replies; 404 and 503/504', async (t) => {
    const bus = new EmbeddedBus()
    const store = new MemoryStore()
    const config = DEFAULT_SLO_CONFIG
    const diagnose = createDiagnose(config)
    const host = new ActorHost({
      bus,
      store,
      decide: createDecider({ config, diagnose }),
      mode: 'live',
      partitions: 4,
      hostId: 'gateway-test',
      // The fixture happened in 2024: a live clock frozen at its start keeps the SLO alarms from
      // firing before the batch is folded (the wall clock would judge the pod failed at once).
      now: () => FIXTURE_START_US,
    })
    await host.start()
    const app = createApp({
      bus,
      partitions: 4,
      ignoredNamespaces: config.ignoredNamespaceForAudit,
      webhook: {},
      queryTimeoutMs: 300,
      log: memoryLog(),
    })
    t.after(async () => {
      await host.stop()
      await bus.close()
      await store.close()
    })
    // No query service yet: no responders.
    assert.equal((await app.request('/api/v1/debugpod?uid=x')).status, 503)
    const subs = serveQueries({ bus, store, config, diagnose, now: () => FIXTURE_START_US })
    t.after(() => Promise.all(subs.map((s) => s.close())))

    const pod = MIXED_PODS.happy
    const posted = await app.request('/audit/webhook', {
      method: 'POST',
      body: eventList(podLifecycle(pod)),
      headers: { 'content-type': 'application/json' },
    })
    assert.equal(posted.status, 200)
    const path = `/api/v1/debugpod?uid=${pod.uid}`
    // The happy pod's last audit event is its final delete: wait until the actor folded it.
    let res = await app.request(path)
    for (let i = 0; i < 200; i++) {
      if (res.status === 200 && (await res.clone().text()).includes('"deleted"')) break
      await new Promise((r) => setTimeout(r, 20))
      res = await app.request(path)
    }
    assert.equal(res.status, 200)
    const overHttp = (await res.json()) as { uid: string; milestones: Record<string, unknown> }
    assert.equal(overHttp.uid, pod.uid)
    assert.ok(overHttp.milestones.ready && overHttp.milestones.deleted, 'whole lifecycle folded')
    const ask = async (name: string, req: unknown) =>
      JSON.parse(
        new TextDecoder().decode(
          await bus.request(
            querySubject(name),
            new TextEncoder().encode(JSON.stringify(req)),
            1000,
          ),
        ),
      )
    assert.deepEqual(overHttp, await ask('debugpod', { uid: pod.uid }))
    const byName = await app.request(`/api/v1/debugpod?namespace=${pod.namespace}&name=${pod.name}`)
    assert.deepEqual(await byName.json(), overHttp)

    const window = 'from=2024-05-14T00:00:00Z&to=2024-05-15T00:00:00Z'
    const slo = await app.request(`/api/v1/debugslo?${window}&namespace=${pod.namespace}`)
    assert.equal(slo.status, 200)
    const sloJson = (await slo.json()) as { pods: { uid: string }[] }
    assert.deepEqual(
      sloJson,
      await ask('debugslo', {
        from: '2024-05-14T00:00:00Z',
        to: '2024-05-15T00:00:00Z',
        namespace: pod.namespace,
      }),
    )
    assert.deepEqual(
      sloJson.pods.map((p) => p.uid),
      [pod.uid],
    )

    const unknown = await app.request('/api/v1/debugpod?uid=no-such-pod')
    assert.equal(unknown.status, 404)
    assert.equal((await errorOf(unknown)).code, 'NotFound')

    // A responder slower than queryTimeoutMs: the gateway gives up with 504.
    const slow = querySubject('slow')
    const silent = bus.serve(slow, 'slow', async (data) => {
      await new Promise((r) => setTimeout(r, 400))
      return data
    })
    t.after(() => silent.close())
    const stuck = createApp({
      bus: {
        publish: (m) => bus.publish(m),
        request: (_s, data, ms) => bus.request(slow, data, ms),
      },
      partitions: 4,
      ignoredNamespaces: new Set(),
      webhook: {},
      queryTimeoutMs: 100,
      log: memoryLog(),
    })
    const timedOut = await stuck.request('/api/v1/debugpod?uid=x')
    assert.equal(timedOut.status, 504)
  })
})
