import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { NatsBus } from '../../actors/runtime/bus/nats-bus.ts'
import type { AuditEvent } from '../../protocol/k8s-audit.ts'
import { partitionOf } from '../../protocol/subjects.ts'
import { podLifecycle } from '../support/audit-fixtures.ts'
import { type RoleProcess, spawnRole, waitHttp } from '../support/role-process.ts'
import { dispose, freePort, startNats, startRedis, type TestServer } from '../support/servers.ts'

// Issue #10's acceptance on real servers: records any tenant can write through a real API server
// (a 1960 Event time, a 200 KB run of spaces in a probe message, a 2 MB message) each answer 200,
// and a healthy pod on the poisoned pod's partition is Ready in debugpod within seconds.
const WEBHOOK = randomUUID()
const API = randomUUID()
const PARTITIONS = 32
const NS = 'tenant-a'

let nats: TestServer | undefined
let redis: TestServer | undefined
let all: RoleProcess | undefined
let base = ''

/** A pod name on `partition` (names are hashed to partitions). */
function nameOn(partition: number, prefix: string): string {
  for (let i = 0; ; i++) {
    const name = `${prefix}-${i}-7d9f8c6b5a-q${i % 10}x${i % 7}z`
    if (partitionOf(NS, name, PARTITIONS) === partition) return name
  }
}

function pod(name: string, createdAt: number) {
  return {
    namespace: NS,
    name,
    uid: randomUUID(),
    node: 'worker-1',
    nodeIP: '10.0.1.21',
    podIP: '10.244.1.9',
    owner: { kind: 'ReplicaSet', name: name.split('-').slice(0, 3).join('-') },
    createdAt,
  }
}

/** The pod's lifecycle with every Event write's message (and optionally times) rewritten. */
function withEvents(
  items: AuditEvent[],
  change: (ev: Record<string, unknown>) => void,
  only = Number.POSITIVE_INFINITY,
): AuditEvent[] {
  let changed = 0
  for (const item of items) {
    if (item.objectRef?.resource !== 'events' || changed++ >= only) continue
    const e = item as {
      requestObject?: Record<string, unknown>
      responseObject?: Record<string, unknown>
    }
    for (const body of [e.requestObject, e.responseObject]) if (body) change(body)
  }
  return items
}

async function post(items: unknown[]): Promise<Response> {
  return fetch(`${base}/audit/webhook`, {
    method: 'POST',
    headers: { authorization: `Bearer ${WEBHOOK}`, 'content-type': 'application/json' },
    body: JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', metadata: {}, items }),
  })
}

async function debugpod(uid: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${base}/api/v1/debugpod?uid=${uid}`, {
    headers: { authorization: `Bearer ${API}` },
  })
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

async function readyWithin(uid: string, ms: number): Promise<Record<string, unknown>> {
  const deadline = Date.now() + ms
  let last: unknown
  while (Date.now() < deadline) {
    const r = await debugpod(uid)
    last = r.body
    const ms = r.body.milestones as Record<string, unknown> | undefined
    if (r.status === 200 && ms?.ready) return r.body
    await sleep(100)
  }
  throw new Error(`pod ${uid} not Ready in debugpod within ${ms} ms: ${JSON.stringify(last)}`)
}

before(async () => {
  nats = await startNats()
  redis = await startRedis()
  const port = await freePort()
  base = `http://127.0.0.1:${port}`
  all = spawnRole('all', {
    NATS_URL: nats.url,
    REDIS_URL: redis.url,
    LUNETTES_HTTP_ADDR: `127.0.0.1:${port}`,
    LUNETTES_WEBHOOK_TOKEN: WEBHOOK,
    LUNETTES_API_TOKEN: API,
    LUNETTES_PARTITIONS: String(PARTITIONS),
  })
  await waitHttp(`${base}/readyz`, 30_000)
})

after(async () => {
  await all?.stop()
  await dispose(nats)
  await dispose(redis)
})

describe('hostile records through the webhook (real NATS + Redis, a lunettes all process)', () => {
  const now = Date.now() * 1000
  const poisoned = pod(nameOn(3, 'old'), now - 30e6)
  const probe = pod(nameOn(3, 'probe'), now - 25e6)
  const huge = pod(nameOn(5, 'huge'), now - 20e6)

  it('a 1960 Event, a 200 KB probe message and a 2 MB message each answer 200', async () => {
    const sixties = withEvents(podLifecycle(poisoned), (ev) => {
      ev.firstTimestamp = '1960-01-01T00:00:00Z'
      ev.lastTimestamp = '1960-01-01T00:00:00Z'
    })
    const spaces = withEvents(podLifecycle(probe), (ev) => {
      ev.message = `Readiness probe failed: ${' '.repeat(200_000)}HTTP probe failed with statuscode: 503`
    })
    // One Event write with a 2 MB message (in its request and response: 4 MB of the 10 MiB body).
    const big = withEvents(
      podLifecycle(huge),
      (ev) => {
        ev.message = `Back-off pulling image ${'x'.repeat(2 * 1024 * 1024)}`
        ev.note = ev.message
      },
      1,
    )
    for (const [what, items] of [
      ['1960', sixties],
      ['200 KB spaces', spaces],
      ['2 MB', big],
    ] as const) {
      const res = await post(items)
      assert.equal(res.status, 200, `${what}: ${await res.text()}`)
    }
  })

  it('a healthy pod posted afterwards on the poisoned pod’s partition is Ready within seconds', async () => {
    const healthy = pod(nameOn(3, 'fine'), Date.now() * 1000 - 10e6)
    assert.equal(
      partitionOf(NS, healthy.name, PARTITIONS),
      partitionOf(NS, poisoned.name, PARTITIONS),
    )
    assert.equal((await post(podLifecycle(healthy))).status, 200)
    await readyWithin(healthy.uid, 15_000)
    // The poisoned pods themselves were folded, minus the impossible values.
    await readyWithin(poisoned.uid, 15_000)
    await readyWithin(probe.uid, 15_000)
  })

  it('debugpod on the big-message pod answers fast, with the message capped and its size kept', async () => {
    const body = await readyWithin(huge.uid, 15_000)
    const started = performance.now()
    const again = await debugpod(huge.uid)
    const took = performance.now() - started
    assert.equal(again.status, 200)
    // A functional bound with a wide margin (the reply is small): not a performance benchmark.
    assert.ok(took < 2000, `debugpod took ${took} ms`)
    const events = (body.events ?? []) as { message: string }[]
    const pull = events.find((e) => e.message.startsWith('Back-off pulling image'))
    assert.ok(pull, 'the big Event is in the timeline')
    assert.ok(pull.message.length <= 4096, `message of ${pull.message.length} characters`)
    assert.match(pull.message, /…\[truncated, \d+ bytes\]$/)
  })

  it('the dead-letter stream holds exactly what the hosts counted as isolated', async () => {
    const bus = await NatsBus.connect(nats?.url ?? '')
    try {
      const metrics = await fetch(`${base}/metrics`).then((r) => r.text())
      const counted = [...metrics.matchAll(/^lunettes_signals_deadlettered_total\{[^}]*\} (\d+)/gm)]
        .map((m) => Number(m[1]))
        .reduce((a, b) => a + b, 0)
      const stored = await bus.streamUsage('LUNETTES_DEADLETTER')
      assert.equal(stored?.messages ?? 0, counted)
    } finally {
      await bus.close()
    }
  })
})
