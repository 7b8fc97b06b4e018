import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { NatsBus } from '../../actors/runtime/bus/nats-bus.ts'
import { ensureChannel, LIVE_CHANNEL } from '../../actors/runtime/channel.ts'
import { type RunningGateway, startGateway } from '../../gateway/main.ts'
import type { AuditEvent } from '../../protocol/k8s-audit.ts'
import { normalizeAuditEvent } from '../../protocol/normalize-audit.ts'
import type { PodSignal } from '../../protocol/pod-signal.ts'
import { allSignalsSubject, SIGNALS_STREAM } from '../../protocol/subjects.ts'
import { podLifecycle } from '../support/audit-fixtures.ts'
import { readStream } from '../support/hosts.ts'
import { dispose, startNats, type TestServer } from '../support/servers.ts'
import { unbatch } from '../support/unbatch.ts'

const TOKEN = randomUUID()
const quiet = { info() {}, warn() {}, error() {} }

let nats: TestServer | undefined
let bus: NatsBus | undefined
const gateways: RunningGateway[] = []

before(async () => {
  nats = await startNats()
  bus = await NatsBus.connect(nats.url)
  await ensureChannel(bus, LIVE_CHANNEL)
})

after(async () => {
  await Promise.all(gateways.map((g) => g.close()))
  await bus?.close()
  await dispose(nats)
})

async function gateway(webhookMaxInflight?: number): Promise<string> {
  if (!bus) throw new Error('no bus')
  const gw = await startGateway({
    addr: '127.0.0.1:0',
    bus,
    partitions: 8,
    ignoredNamespaces: new Set(),
    webhook: { token: TOKEN },
    limits: webhookMaxInflight === undefined ? {} : { webhookMaxInflight },
    log: quiet,
  })
  gateways.push(gw)
  return `http://127.0.0.1:${gw.port}`
}

function pod(namespace: string, i: number): AuditEvent[] {
  return podLifecycle({
    namespace,
    name: `web-${i}`,
    uid: randomUUID(),
    node: 'worker-1',
    nodeIP: '10.0.0.1',
    podIP: `10.244.0.${i % 250}`,
    owner: { kind: 'ReplicaSet', name: 'web' },
    createdAt: Date.parse('2024-05-14T09:00:00Z') * 1000 + i * 1_000_000,
  })
}

function post(base: string, items: unknown[]): Promise<Response> {
  return fetch(`${base}/audit/webhook`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items }),
  })
}

function signalsOf(items: readonly AuditEvent[]): PodSignal[] {
  return items.flatMap((item) => {
    const n = normalizeAuditEvent(item, { ignoredNamespaces: new Set() })
    return n.ok ? [...n.signals] : []
  })
}

/** The signals of `namespace` stored in the stream, by dedupe id. */
async function stored(namespace: string): Promise<Map<string, PodSignal>> {
  if (!bus) throw new Error('no bus')
  const out = new Map<string, PodSignal>()
  for (const m of unbatch(await readStream(bus, SIGNALS_STREAM, allSignalsSubject))) {
    const { signal } = JSON.parse(new TextDecoder().decode(m.data)) as { signal?: PodSignal }
    if (signal?.pod.namespace === namespace && m.msgId) out.set(m.msgId, signal)
  }
  return out
}

describe('webhook on real NATS: oversized items and overload', () => {
  it('a batch holding a 2 MB Event message answers 200 and the rest of its items reach the stream', async () => {
    const base = await gateway()
    const ns = `big-${randomUUID().slice(0, 8)}`
    const items = [...pod(ns, 1), ...pod(ns, 2)]
    const index = items.findIndex((e) => e.objectRef?.resource === 'events')
    const ev = items[index] as AuditEvent & {
      requestObject?: { message?: string }
      responseObject?: { message?: string }
    }
    const message = `Failed to pull image: ${'y'.repeat(2 * 1024 * 1024)}`
    for (const o of [ev.requestObject, ev.responseObject]) if (o) o.message = message
    const res = await post(base, items)
    assert.equal(res.status, 200, await res.clone().text())
    const expected = signalsOf(items)
    const got = await stored(ns)
    assert.deepEqual(
      [...got.keys()].sort(),
      expected.map((s) => s.id).sort(),
      'every signal stored',
    )
    const big = [...got.values()].find((s) => s.event?.message.startsWith('Failed to pull image'))
    assert.ok(big?.event && big.event.message.length < 1024 * 1024, 'the big message was cut')
  })

  it('overload: past the in-flight bound batches get 503 + Retry-After, and nothing answered 200 is lost', async () => {
    const base = await gateway(2)
    const ns = `load-${randomUUID().slice(0, 8)}`
    const batches = Array.from({ length: 40 }, (_, i) => pod(ns, i))
    const first = await Promise.all(batches.map((b) => post(base, b)))
    const statuses = first.map((r) => r.status)
    const refused = first.filter((r) => r.status !== 200)
    assert.ok(refused.length > 0, `40 batches at once past a bound of 2 refuse some: ${statuses}`)
    assert.ok(statuses.includes(200))
    for (const r of refused) {
      assert.equal(r.status, 503)
      assert.equal(r.headers.get('retry-after'), '1')
    }
    const answered = new Set<string>()
    for (const [i, r] of first.entries()) {
      const body = (await r.json()) as { signals?: number }
      if (r.status !== 200) continue
      const ids = signalsOf(batches[i] ?? []).map((s) => s.id)
      assert.equal(body.signals, ids.length)
      for (const id of ids) answered.add(id)
    }
    const afterFirst = await stored(ns)
    for (const id of answered) assert.ok(afterFirst.has(id), `answered 200 but not stored: ${id}`)
    assert.equal(afterFirst.size, answered.size, 'refused batches published nothing')
    // The API server retries refused batches: all of them get in, none twice.
    let pending = batches.filter((_, i) => first[i]?.status !== 200)
    for (let round = 0; pending.length > 0 && round < 50; round++) {
      const again = await Promise.all(pending.map((b) => post(base, b)))
      pending = pending.filter((_, i) => again[i]?.status !== 200)
    }
    assert.equal(pending.length, 0)
    const all = signalsOf(batches.flat()).map((s) => s.id)
    assert.equal((await stored(ns)).size, new Set(all).size)
  })
})
