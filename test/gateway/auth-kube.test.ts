import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { createDecider } from '../../actors/lifecycle/decide.ts'
import { createDiagnose } from '../../actors/lifecycle/diagnosis-hook.ts'
import { serveQueries } from '../../actors/query/query-service.ts'
import { EmbeddedBus } from '../../actors/runtime/bus/embedded-bus.ts'
import { ActorHost } from '../../actors/runtime/host/actor-host.ts'
import { MemoryStore } from '../../actors/runtime/store/memory-store.ts'
import { DEFAULT_SLO_CONFIG } from '../../config/slo-config.ts'
import { createApp } from '../../gateway/app.ts'
import { KubeAuthorizer } from '../../gateway/kube-auth.ts'
import { kubeTransport, loadKubeConfig } from '../../gateway/kube-auth-client.ts'
import { podLifecycle } from '../support/audit-fixtures.ts'
import { MIXED_PODS } from '../support/audit-fixtures-catalog.ts'
import { FakeApiServer, writeKubeconfig } from '../support/fake-apiserver.ts'
import { memoryLog } from './fake-bus.ts'
import { errorOf, eventList } from './webhook-helpers.ts'

const FIXTURE_START_US = Date.parse('2024-05-14T09:00:00Z') * 1000
const WINDOW = 'from=2024-05-14T00:00:00Z&to=2024-05-15T00:00:00Z'
const WEBHOOK = 'webhook-token-for-kube-test'
const SA_TOKEN = 'gateway-service-account-token'
const pod = (ns: string, uid: string) => ({
  ...MIXED_PODS.happy,
  namespace: ns,
  name: `web-${ns}`,
  uid,
})
const POD_A = pod('team-a', 'aaaaaaaa-0000-4000-8000-000000000001')
const POD_B = pod('team-b', 'bbbbbbbb-0000-4000-8000-000000000002')
const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } })

let api: FakeApiServer
let dir = ''
let clock = 0
let app: ReturnType<typeof createApp>
let stop: () => Promise<void> = async () => {}

before(async () => {
  api = await FakeApiServer.start()
  api.namespaceNames = ['default', 'team-a', 'team-b', 'kube-system']
  api.users.set('alice-token', { username: 'alice', podNamespaces: ['team-a'] })
  api.users.set('bob-token', { username: 'bob', podNamespaces: [] })
  api.users.set('root-token', { username: 'root', groups: ['system:masters'], podNamespaces: '*' })
  dir = await mkdtemp(join(tmpdir(), 'lunettes-kube-auth-'))
  const kubeconfig = await writeKubeconfig(dir, api.url, SA_TOKEN)
  const kubernetes = new KubeAuthorizer({
    transport: kubeTransport(loadKubeConfig({ inCluster: false, kubeconfig })),
    now: () => clock,
  })
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
    hostId: 'kube-auth-test',
    now: () => FIXTURE_START_US,
  })
  await host.start()
  const subs = serveQueries({ bus, store, config, diagnose, now: () => FIXTURE_START_US })
  app = createApp({
    bus,
    partitions: 4,
    ignoredNamespaces: new Set(),
    webhook: { token: WEBHOOK },
    api: { kubernetes },
    log: memoryLog(),
  })
  stop = async () => {
    await Promise.all(subs.map((s) => s.close()))
    await host.stop()
    await bus.close()
    await store.close()
  }
  const posted = await app.request('/audit/webhook', {
    method: 'POST',
    body: eventList([...podLifecycle(POD_A), ...podLifecycle(POD_B)]),
    headers: { authorization: `Bearer ${WEBHOOK}`, 'content-type': 'application/json' },
  })
  assert.equal(posted.status, 200)
  for (const p of [POD_A, POD_B]) {
    for (let i = 0; ; i++) {
      const res = await app.request(`/api/v1/debugpod?uid=${p.uid}`, bearer('root-token'))
      if (res.status === 200 && (await res.text()).includes('"deleted"')) break
      assert.ok(i < 300, `pod ${p.uid} never folded`)
      await new Promise((r) => setTimeout(r, 20))
    }
  }
})

after(async () => {
  await stop()
  await api.close()
  await rm(dir, { recursive: true, force: true })
})

async function body<T>(res: Response): Promise<T> {
  assert.equal(res.status, 200, await res.clone().text())
  return (await res.json()) as T
}

type Listed = { pods: { uid: string; namespace: string }[]; counts?: { total: number } }

describe('LUNETTES_API_AUTH=kubernetes against the fake API server (TokenReview + SAR)', () => {
  it('a user allowed in team-a sees only team-a in debugpod, debugslo and search', async () => {
    const alice = bearer('alice-token')
    const own = await body<{ uid: string }>(
      await app.request(`/api/v1/debugpod?uid=${POD_A.uid}`, alice),
    )
    assert.equal(own.uid, POD_A.uid)
    const foreign = await app.request(`/api/v1/debugpod?uid=${POD_B.uid}`, alice)
    assert.equal(foreign.status, 404, 'another namespace’s pod answers as if it did not exist')
    const byName = await app.request(`/api/v1/debugpod?namespace=team-b&name=${POD_B.name}`, alice)
    assert.equal(byName.status, 403)
    assert.equal((await errorOf(byName)).code, 'Forbidden')

    const slo = await body<Listed>(await app.request(`/api/v1/debugslo?${WINDOW}`, alice))
    assert.deepEqual(
      slo.pods.map((p) => p.namespace),
      ['team-a'],
    )
    assert.equal(slo.counts?.total, 1, 'aggregates count only what the caller may see')
    assert.equal(
      (await app.request(`/api/v1/debugslo?${WINDOW}&namespace=team-b`, alice)).status,
      403,
    )
    const search = await body<Listed>(await app.request('/api/v1/pods', alice))
    assert.deepEqual(
      search.pods.map((p) => p.uid),
      [POD_A.uid],
    )
  })

  it('cluster-wide access: no filter; the reviewer authenticates as the gateway', async () => {
    const root = bearer('root-token')
    const slo = await body<Listed>(await app.request(`/api/v1/debugslo?${WINDOW}`, root))
    assert.deepEqual(slo.pods.map((p) => p.namespace).sort(), ['team-a', 'team-b'])
    assert.equal(slo.counts?.total, 2)
    const search = await body<Listed>(await app.request('/api/v1/pods', root))
    assert.equal(search.pods.length, 2)
    assert.ok(api.reviews.length > 0)
    for (const r of api.reviews) assert.equal(r.authorization, `Bearer ${SA_TOKEN}`)
  })

  it('a user allowed nowhere gets 403; bad or foreign tokens 401 without a TokenReview', async () => {
    const bob = bearer('bob-token')
    for (const path of [
      `/api/v1/debugslo?${WINDOW}`,
      '/api/v1/pods',
      `/api/v1/debugpod?uid=${POD_A.uid}`,
    ]) {
      const res = await app.request(path, bob)
      assert.equal(res.status, 403, path)
      assert.equal((await errorOf(res)).code, 'Forbidden')
    }
    const reviewed = api.reviews.filter((r) => r.kind === 'TokenReview').length
    assert.equal((await app.request('/api/v1/pods', bearer(WEBHOOK))).status, 401)
    assert.equal(
      api.reviews.filter((r) => r.kind === 'TokenReview').length,
      reviewed,
      'the webhook token is never sent to the API server',
    )
    assert.equal((await app.request('/api/v1/pods', bearer('forged-token'))).status, 401)
    assert.equal((await app.request('/api/v1/pods')).status, 401)
  })

  it('decisions are cached for the TTL, then asked again', async () => {
    clock += 60_000 // past every earlier decision
    const alice = bearer('alice-token')
    await body(await app.request('/api/v1/pods', alice))
    const first = api.reviews.length
    assert.ok(first > 0)
    await body(await app.request('/api/v1/pods', alice))
    await body(await app.request(`/api/v1/debugslo?${WINDOW}`, alice))
    assert.equal(api.reviews.length, first, 'within the TTL nothing is asked again')
    clock += 31_000
    await body(await app.request('/api/v1/pods', alice))
    assert.ok(api.reviews.length > first, 'after the TTL the decisions are renewed')
  })

  it('when the API server cannot answer: 503, never an open door', async () => {
    const down = new KubeAuthorizer({
      transport: {
        post: () => Promise.reject(new Error('connect ECONNREFUSED')),
        get: () => Promise.reject(new Error('connect ECONNREFUSED')),
      },
    })
    const log = memoryLog()
    const gw = createApp({
      bus: { publish: async () => {}, request: async () => new Uint8Array() },
      partitions: 4,
      ignoredNamespaces: new Set(),
      webhook: { token: WEBHOOK },
      api: { kubernetes: down },
      log,
    })
    const res = await gw.request('/api/v1/pods', bearer('alice-token'))
    assert.equal(res.status, 503)
    assert.equal(res.headers.get('retry-after'), '5')
    assert.ok(!JSON.stringify(log.lines).includes('alice-token'))
  })
})
