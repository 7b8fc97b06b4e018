import assert from 'node:assert/strict'
import { describe, it, type TestContext } from 'node:test'
import { createDecider } from '../../../actors/lifecycle/decide.ts'
import { createDiagnose } from '../../../actors/lifecycle/diagnosis-hook.ts'
import { type QueryServiceOptions, serveQueries } from '../../../actors/query/query-service.ts'
import { boundReply } from '../../../actors/query/reply-bound.ts'
import { EmbeddedBus } from '../../../actors/runtime/bus/embedded-bus.ts'
import { ActorHost } from '../../../actors/runtime/host/actor-host.ts'
import { MemoryStore } from '../../../actors/runtime/store/memory-store.ts'
import { DEFAULT_SLO_CONFIG } from '../../../config/slo-config.ts'
import { createApp } from '../../../gateway/app.ts'
import { querySubject } from '../../../protocol/subjects.ts'
import { podLifecycle } from '../../support/audit-fixtures.ts'

const START_US = Date.parse('2024-05-14T09:00:00Z') * 1000
const config = DEFAULT_SLO_CONFIG
const diagnose = createDiagnose(config)
const quiet = { info() {}, warn() {}, error() {} }
const dec = new TextDecoder()

function pod(i: number, namespace = 'shop', name = `web-${i}`) {
  return podLifecycle({
    namespace,
    name,
    uid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    node: 'worker-1',
    nodeIP: '10.0.0.1',
    podIP: `10.244.0.${i % 250}`,
    owner: { kind: 'ReplicaSet', name: 'web' },
    createdAt: START_US + i * 2_000_000,
  })
}

/** Actors and the query service on the embedded bus, fed through the webhook. */
async function world(
  t: TestContext,
  bounds: Partial<QueryServiceOptions>,
  items: unknown[],
  busMaxPayload?: number,
) {
  const bus = new EmbeddedBus()
  // The embedded bus reports no limit: this one says what a NATS bus reports (max_payload).
  if (busMaxPayload !== undefined) Object.assign(bus, { maxPayload: () => busMaxPayload })
  const store = new MemoryStore()
  const host = new ActorHost({
    bus,
    store,
    decide: createDecider({ config, diagnose }),
    mode: 'live',
    partitions: 2,
    hostId: 'bounds',
    now: () => START_US,
  })
  await host.start()
  const subs = serveQueries({ bus, store, config, diagnose, now: () => START_US, ...bounds })
  t.after(async () => {
    await Promise.all(subs.map((s) => s.close()))
    await host.stop()
    await bus.close()
    await store.close()
  })
  const app = createApp({
    bus,
    partitions: 2,
    ignoredNamespaces: new Set(),
    webhook: {},
    log: quiet,
  })
  const body = JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items })
  const res = await app.request('/audit/webhook', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  })
  assert.equal(res.status, 200)
  const ask = async (name: string, req: unknown) => {
    const data = new TextEncoder().encode(JSON.stringify(req))
    const raw = await bus.request(querySubject(name), data, 5000)
    return { bytes: raw.byteLength, json: JSON.parse(dec.decode(raw)) as Record<string, unknown> }
  }
  return { ask, store }
}

const WINDOW = { from: '2024-05-14T08:00:00Z', to: '2024-05-14T10:00:00Z' }

async function untilPods(
  ask: (n: string, r: unknown) => Promise<{ json: Record<string, unknown> }>,
  n: number,
  namespace?: string,
) {
  const req = { ...WINDOW, limit: 1000, ...(namespace ? { namespace } : {}) }
  for (let i = 0; i < 300; i++) {
    const { json } = await ask('debugslo', req)
    if ((json.pods as unknown[] | undefined)?.length === n) return
    await new Promise((r) => setTimeout(r, 20))
  }
  const { json } = await ask('debugslo', req)
  assert.fail(`${n} pods never finished: ${JSON.stringify(json).slice(0, 300)}`)
}

describe('boundReply', () => {
  it('keeps a reply that fits byte for byte', () => {
    const reply = { pods: [{ uid: 'a' }], truncated: false }
    assert.deepEqual(boundReply(reply, 1000), new TextEncoder().encode(JSON.stringify(reply)))
  })

  it('cuts long strings first, then the longest list, and flags truncated', () => {
    const big = { evidence: [{ message: 'x'.repeat(50_000) }], history: [] }
    const cut = JSON.parse(dec.decode(boundReply(big, 10_000) ?? new Uint8Array()))
    assert.equal(cut.truncated, true)
    assert.match(cut.evidence[0].message, /truncated: 50000 characters\]$/)
    const many = { pods: Array.from({ length: 5000 }, (_, i) => ({ uid: `pod-${i}`, ns: 'shop' })) }
    const bytes = boundReply(many, 8192)
    assert.ok(bytes && bytes.byteLength <= 8192)
    const got = JSON.parse(dec.decode(bytes))
    assert.equal(got.truncated, true)
    assert.ok(got.pods.length > 100, `kept ${got.pods.length} pods, the head of the list`)
    assert.equal(got.pods[0].uid, 'pod-0')
  })

  it('returns null when nothing can be cut enough', () => {
    const keys = Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`k${i}`, i]))
    assert.equal(boundReply(keys, 1000), null)
  })
})

describe('query service bounds (embedded bus, memory store)', () => {
  it('a debugslo page bigger than the bus takes (bus reporting 8 KiB) is shortened, its next cursor continues it, aggregates intact', async (t) => {
    const items = Array.from({ length: 40 }, (_, i) => pod(i)).flat()
    const { ask } = await world(t, {}, items, 8192)
    for (let i = 0; i < 300; i++) {
      const { json } = await ask('debugslo', { ...WINDOW })
      if ((json.counts as { total: number } | undefined)?.total === 40) break
      await new Promise((r) => setTimeout(r, 20))
    }
    const { bytes, json } = await ask('debugslo', { ...WINDOW })
    assert.ok(bytes <= 4096, `${bytes} bytes`)
    assert.ok((json.pods as unknown[]).length < 40)
    assert.equal((json.counts as { total: number }).total, 40, 'aggregates are not cut')
    const seen = new Set<string>()
    let page = json
    for (let i = 0; i < 40; i++) {
      for (const p of page.pods as { uid: string }[]) {
        assert.ok(!seen.has(p.uid), `${p.uid} on two pages`)
        seen.add(p.uid)
      }
      if (page.next === null) break
      page = (await ask('debugslo', { cursor: page.next })).json
    }
    assert.equal(seen.size, 40, 'the shortened pages together list every pod')
  })

  it('debugslo refuses a fan-out past the namespace cap or the read budget, naming the parameter', async (t) => {
    const items = [pod(1, 'a'), pod(2, 'b'), pod(3, 'c')].flat()
    // maxExactVerdicts 0: every window is "big", so the aggregates come from the rollups.
    const opts = { maxNamespaces: 2, maxRollupReads: 300, maxExactVerdicts: 0 }
    const { ask } = await world(t, opts, items)
    for (const ns of ['a', 'b', 'c']) await untilPods(ask, 1, ns)
    const all = await ask('debugslo', { ...WINDOW })
    assert.equal((all.json.error as { code: string }).code, 'BadRequest')
    assert.match((all.json.error as { message: string }).message, /^namespace: 3 namespaces/)
    const one = await ask('debugslo', { ...WINDOW, namespace: 'a' })
    assert.equal(one.json.error, undefined, '121 minutes of one namespace fit 300 reads')
    const day = await ask('debugslo', {
      from: '2024-05-14T00:00:00Z',
      to: '2024-05-15T00:00:00Z',
      namespace: 'a',
    })
    assert.match(
      (day.json.error as { message: string }).message,
      /^from: 1441 minutes × 1 namespaces/,
    )
  })

  it('debugslo answers 400 (not Internal) for pre-1970, unparsable or 90-day windows', async (t) => {
    const { ask } = await world(t, {}, pod(1))
    for (const [req, parameter] of [
      [{ from: '1960-01-01T00:00:00Z', to: '2024-05-14T00:00:00Z' }, 'from'],
      [{ from: '2024-05-14T00:00:00Z', to: '2024-05-14T99:00:00Z' }, 'to'],
      [{ from: '2024-02-14T00:00:00Z', to: '2024-05-14T00:00:00Z' }, 'from'],
    ] as const) {
      const { json } = await ask('debugslo', req)
      const error = json.error as { code: string; message: string }
      assert.equal(error.code, 'BadRequest', JSON.stringify(req))
      assert.ok(error.message.startsWith(`${parameter}:`), error.message)
    }
  })

  it('debugpod lists at most maxHistory other pods of the same name, flagged truncated', async (t) => {
    const items = [0, 1, 2, 3, 4].flatMap((i) => pod(i, 'shop', 'db-0'))
    const { ask } = await world(t, { maxHistory: 2 }, items)
    await untilPods(ask, 5)
    const { json } = await ask('debugpod', { namespace: 'shop', name: 'db-0' })
    assert.equal((json.history as unknown[]).length, 2)
    assert.equal(json.truncated, true)
  })
})
