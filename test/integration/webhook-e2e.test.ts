import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { createDecider } from '../../actors/lifecycle/decide.ts'
import { createDiagnose } from '../../actors/lifecycle/diagnosis-hook.ts'
import { serveQueries } from '../../actors/query/query-service.ts'
import type { Subscription } from '../../actors/runtime/bus/bus.ts'
import { NatsBus } from '../../actors/runtime/bus/nats-bus.ts'
import { ActorHost } from '../../actors/runtime/host/actor-host.ts'
import { RedisStore } from '../../actors/runtime/store/redis-store.ts'
import { DEFAULT_SLO_CONFIG } from '../../config/slo-config.ts'
import { type RunningGateway, startGateway } from '../../gateway/main.ts'
import { normalizeAuditEvent } from '../../protocol/normalize-audit.ts'
import type { PodReport } from '../../protocol/pod-report.ts'
import { allSignalsSubject, querySubject, SIGNALS_STREAM } from '../../protocol/subjects.ts'
import { runReplay } from '../../tools/replay/replay.ts'
import { podLifecycle } from '../support/audit-fixtures.ts'
import { micros } from '../support/audit-fixtures-base.ts'
import { readStream } from '../support/hosts.ts'
import { dispose, startNats, startRedis, type TestServer } from '../support/servers.ts'
import { unbatch } from '../support/unbatch.ts'

const TOKEN = randomUUID()
const PARTITIONS = 32
const BATCH = 30
const config = DEFAULT_SLO_CONFIG
const diagnose = createDiagnose(config)
/**
 * Live hosts judge SLOs on the wall clock, which would fail these 2024 pods the moment they
 * arrive (and a final verdict stops later milestones). Freezing the live clock at the fixture's
 * start makes the live fold comparable with the replay's.
 */
const FROZEN_NOW_US = micros('2024-05-14T09:00:00Z')

/** A pod held back for the bus-down test: it reaches the webhook only while NATS is away. */
const LATE_POD = {
  namespace: 'shop',
  name: 'late-7f8d9c6b5a-r2d2x',
  uid: '9d2f4b6a-1c3e-4a5b-8d7f-0e1a2b3c8888',
  node: 'worker-2',
  nodeIP: '10.0.1.22',
  podIP: '10.244.2.77',
  owner: { kind: 'ReplicaSet', name: 'late-7f8d9c6b5a' },
  createdAt: micros('2024-05-14T09:02:00.250114Z'),
}

let nats: TestServer | undefined
let redis: TestServer | undefined
let dir = ''
let bus: NatsBus | undefined
let store: RedisStore | undefined
let host: ActorHost | undefined
let subs: Subscription[] = []
let gw: RunningGateway | undefined
let mixed: unknown[] = []
let late: unknown[] = []
let expected: PodReport[] = []

before(async () => {
  nats = await startNats()
  redis = await startRedis()
  dir = await mkdtemp(join(tmpdir(), 'lunettes-webhook-'))
  const text = await readFile('test/fixtures/audit/mixed-pods.jsonl', 'utf8')
  mixed = text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as unknown)
  late = podLifecycle(LATE_POD)
  const input = join(dir, 'all.jsonl')
  await writeFile(input, [...mixed, ...late].map((e) => JSON.stringify(e)).join('\n'))
  expected = (await runReplay({ inputs: [input], config, diagnose })).reports

  bus = await NatsBus.connect(nats.url)
  store = RedisStore.connect(redis.url, `wh${randomUUID().slice(0, 8)}:`)
  host = new ActorHost({
    bus,
    store,
    decide: createDecider({ config, diagnose }),
    mode: 'live',
    partitions: PARTITIONS,
    hostId: 'webhook-e2e',
    now: () => FROZEN_NOW_US,
  })
  await host.start()
  subs = serveQueries({ bus, store, config, diagnose, now: () => FROZEN_NOW_US })
  gw = await startGateway({
    addr: '127.0.0.1:0',
    bus,
    partitions: PARTITIONS,
    ignoredNamespaces: config.ignoredNamespaceForAudit,
    webhook: { token: TOKEN },
    queryTimeoutMs: 3000,
    // The test polls every pod's debugpod from one address, faster than a client may by default.
    limits: { queryRate: 0 },
    log: { info() {}, warn() {}, error() {} },
  })
})

after(async () => {
  await gw?.close()
  await Promise.all(subs.map((s) => s.close()))
  await host?.stop()
  await bus?.close()
  await store?.close()
  await dispose(nats)
  await dispose(redis)
  await rm(dir, { recursive: true, force: true })
})

const base = () => `http://127.0.0.1:${gw?.port ?? 0}`

async function postBatch(items: unknown[]): Promise<Response> {
  return fetch(`${base()}/audit/webhook`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', metadata: {}, items }),
  })
}

async function debugpod(uid: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${base()}/api/v1/debugpod?uid=${encodeURIComponent(uid)}`)
  return { status: res.status, body: await res.json() }
}

/** The parts of a report that do not depend on the clock the SLOs were judged on. */
function folded(r: PodReport) {
  const { milestones, phases, sli, restarts, node, owner, uid, namespace, name } = r
  return { uid, namespace, name, node, owner, milestones, phases, sli, restarts }
}

/** Waits until every pod's debugpod shows the replay's fold (or the deadline), then asserts. */
async function assertLikeReplay(pods: PodReport[]): Promise<void> {
  const deadline = Date.now() + 20_000
  for (;;) {
    const got = await Promise.all(pods.map((p) => debugpod(p.uid)))
    const done = got.every(
      (g, i) =>
        g.status === 200 &&
        JSON.stringify(folded(g.body as PodReport)) ===
          JSON.stringify(folded(pods[i] as PodReport)),
    )
    if (done || Date.now() > deadline) break
    await sleep(100)
  }
  for (const p of pods) {
    const http = await debugpod(p.uid)
    assert.equal(http.status, 200, `debugpod ${p.namespace}/${p.name}`)
    const overNats = JSON.parse(
      new TextDecoder().decode(
        await (bus as NatsBus).request(
          querySubject('debugpod'),
          new TextEncoder().encode(JSON.stringify({ uid: p.uid })),
          3000,
        ),
      ),
    )
    assert.deepEqual(http.body, overNats, `HTTP and NATS agree on ${p.name}`)
    const live = http.body as PodReport
    assert.deepEqual(folded(live), folded(p), `${p.name} folds as in replay`)
    // A pod Ready before its deadline is judged the same whatever the clock.
    if (p.slo.create.result === 'success') assert.equal(live.slo.create.result, 'success')
  }
}

describe('audit webhook end to end (nats-server + redis-server)', () => {
  it('EventList batches (one posted twice) give the reports replay gives', async () => {
    assert.ok(mixed.length > BATCH * 2, 'the fixture makes several batches')
    const batches: unknown[][] = []
    for (let i = 0; i < mixed.length; i += BATCH) batches.push(mixed.slice(i, i + BATCH))
    let signals = 0
    for (const [i, batch] of batches.entries()) {
      const res = await postBatch(batch)
      assert.equal(res.status, 200)
      const reply = (await res.json()) as { signals: number; rejected: number }
      assert.equal(reply.rejected, 0)
      signals += reply.signals
      // The API server retries a batch whose answer it missed: post the second one again.
      if (i === 1) assert.equal((await postBatch(batch)).status, 200)
    }
    assert.ok(signals > 0)
    const pods = expected.filter((r) => r.uid !== LATE_POD.uid)
    assert.ok(pods.length >= 5, `${pods.length} pods`)
    await assertLikeReplay(pods)
    // The batch posted twice was stored once: the stream holds one message per signal id.
    const ids = new Set(
      mixed.flatMap((e) => {
        const n = normalizeAuditEvent(e, { ignoredNamespaces: config.ignoredNamespaceForAudit })
        return n.ok ? n.signals.map((s) => s.id) : []
      }),
    )
    const all = await readStream(bus as NatsBus, SIGNALS_STREAM, allSignalsSubject)
    // Source watermarks (protocol/watermark.ts) share the partitions; count the signals, one
    // per partition message or per element of a `batch` message (the twice-posted batch's
    // messages have the same ids: stored once).
    const stored = unbatch(all.filter((m) => !m.msgId?.startsWith('wm:')))
    assert.equal(stored.length, ids.size)
    assert.deepEqual(new Set(stored.map((m) => m.msgId)), ids)
    assert.equal((await debugpod(LATE_POD.uid)).status, 404, 'the held-back pod is not in yet')
  })

  it('bus down → 503 with Retry-After; after NATS returns the retry is accepted and nothing is lost', async () => {
    await nats?.stop('SIGTERM')
    const down = await postBatch(late)
    assert.equal(down.status, 503)
    assert.equal(down.headers.get('retry-after'), '5')
    await down.body?.cancel()
    await nats?.restart()
    // Like the API server: retry until the batch is accepted.
    const deadline = Date.now() + 30_000
    let status = 0
    while (Date.now() < deadline) {
      const res = await postBatch(late)
      status = res.status
      await res.body?.cancel()
      if (status === 200) break
      await sleep(500)
    }
    assert.equal(status, 200)
    await assertLikeReplay(expected)
  })
})
