import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { describe, it } from 'node:test'
import { createDecider } from '../../actors/lifecycle/decide.ts'
import { createDiagnose } from '../../actors/lifecycle/diagnosis-hook.ts'
import { serveQueries } from '../../actors/query/query-service.ts'
import { NatsBus } from '../../actors/runtime/bus/nats-bus.ts'
import { ActorHost } from '../../actors/runtime/host/actor-host.ts'
import { RedisStore } from '../../actors/runtime/store/redis-store.ts'
import { DEFAULT_SLO_CONFIG, parseSloConfig } from '../../config/slo-config.ts'
import type { SloAlert } from '../../protocol/alert.ts'
import type { PodReport } from '../../protocol/pod-report.ts'
import { partitionOf, querySubject } from '../../protocol/subjects.ts'
import { parseTime } from '../../protocol/time.ts'
import { runReplay } from '../../tools/replay/replay.ts'
import { testChannel } from '../support/channels.ts'
import { realdata } from '../support/realdata.ts'
import { useServers } from '../support/servers.ts'

const servers = useServers()

const enc = new TextEncoder()
const dec = new TextDecoder()

describe('live alarms on NATS + Redis', () => {
  for (const passivated of [false, true]) {
    it(`a pod with no Ready gets its violated alert within 1 s of the deadline${passivated ? ' (actor passivated)' : ''}`, async (t) => {
      const id = randomUUID().slice(0, 8)
      const channel = testChannel(id)
      const bus = await NatsBus.connect(servers.nats.url)
      const store = RedisStore.connect(servers.redis.url, `${id}:`)
      const config = parseSloConfig({ UserOnlineConfigMap: { shop: '2s' } })
      const host = new ActorHost({
        bus,
        store,
        decide: createDecider({ config }),
        mode: 'live',
        partitions: 4,
        hostId: `h-${id}`,
        channel,
        ...(passivated ? { cacheSize: 0 } : {}),
      })
      t.after(async () => {
        await host.stop()
        await bus.close()
        await store.close()
      })
      await host.start()
      const alerts: { alert: SloAlert; at: number }[] = []
      bus.subscribe(channel.alertWildcard, (_s, data) => {
        alerts.push({ alert: JSON.parse(dec.decode(data)) as SloAlert, at: Date.now() })
      })
      const created = Date.now() * 1000
      const signal = {
        v: 1,
        id: `audit:${id}:ResponseComplete`,
        source: 'audit',
        time: created,
        precision: 'us',
        pod: { namespace: 'shop', name: 'web-1', uid: randomUUID() },
        facts: { restartPolicy: 'Always', containers: [{ name: 'app', image: 'app:1' }] },
        ops: [{ op: 'pod:create:success' }],
      }
      const data = enc.encode(JSON.stringify({ v: 1, kind: 'signal', signal }))
      await bus.publish([{ subject: channel.subjectOf(partitionOf('shop', 'web-1', 4)), data }])
      await new Promise((r) => setTimeout(r, 800))
      if (passivated) assert.equal(host.actorsLive(), 0, 'the actor left memory')
      const deadline = created / 1000 + 2000
      while (!alerts.some((a) => a.alert.kind === 'violated') && Date.now() < deadline + 3000) {
        await new Promise((r) => setTimeout(r, 20))
      }
      const violated = alerts.find((a) => a.alert.kind === 'violated')
      assert.ok(violated, 'violated alert published')
      assert.equal(violated.alert.deadline, new Date(deadline).toISOString().replace('Z', '000Z'))
      const lateness = violated.at - deadline
      assert.ok(lateness >= 0 && lateness < 1000, `alert ${lateness} ms after the deadline`)
    })
  }
})

describe('query service over NATS', () => {
  it('debugpod by UID and by name returns what replay reports; debugslo aggregates; errors', async (t) => {
    const base = 'events/openshift-ci-metal-2021-09-14'
    const config = DEFAULT_SLO_CONFIG
    const diagnose = createDiagnose(config)
    const run = randomUUID().slice(0, 8)
    const { reports, summary } = await runReplay({
      inputs: [realdata(`${base}.events.jsonl`), realdata(`${base}.pods.jsonl`)],
      config,
      diagnose,
      run,
      backends: { natsUrl: servers.nats.url, redisUrl: servers.redis.url, storePrefix: `q${run}:` },
    })
    const bus = await NatsBus.connect(servers.nats.url)
    const store = RedisStore.connect(servers.redis.url, `q${run}:`)
    const subs = serveQueries({
      bus,
      store,
      config,
      diagnose,
      now: () => summary.clock,
      queue: `q${run}`,
      jaegerUiUrl: 'http://jaeger.example:16686/',
    })
    t.after(async () => {
      await Promise.all(subs.map((s) => s.close()))
      await bus.close()
      await store.close()
    })
    const ask = async (name: string, req: unknown) =>
      JSON.parse(
        dec.decode(await bus.request(querySubject(name), enc.encode(JSON.stringify(req)), 5000)),
      )
    const g = reports.find((r) => r.uid === '7320b81d-3c8c-4c88-b7b5-fd6abfced617')
    assert.ok(g)
    const byUid = await ask('debugpod', { uid: g.uid })
    assert.equal(byUid.traceUrl, `http://jaeger.example:16686/trace/${g.traceId}`)
    assert.deepEqual(
      { ...byUid, history: undefined, traceUrl: undefined },
      { ...g, history: undefined, traceUrl: undefined },
    )
    assert.deepEqual(byUid.history, [])
    const byName = await ask('debugpod', { namespace: g.namespace, name: g.name })
    assert.equal(byName.uid, g.uid)
    // A name several pods held (static pod revisions): newest first, the rest in history.
    const counts = new Map<string, PodReport[]>()
    for (const r of reports)
      counts.set(`${r.namespace}/${r.name}`, [...(counts.get(`${r.namespace}/${r.name}`) ?? []), r])
    const [key, holders] = [...counts.entries()].find(([, rs]) => rs.length > 1) ?? ['', []]
    const [ns, name] = key.split('/')
    const reused = await ask('debugpod', { namespace: ns, name })
    assert.ok(holders.some((h) => h.uid === reused.uid))
    assert.equal(reused.history.length, holders.length - 1)
    assert.deepEqual(
      { ...reused, history: undefined, traceUrl: undefined },
      { ...holders.find((h) => h.uid === reused.uid), history: undefined, traceUrl: undefined },
    )
    assert.deepEqual(await ask('debugpod', { uid: 'no-such-pod' }), {
      error: { code: 'NotFound', message: 'no pod with uid no-such-pod' },
    })
    assert.equal((await ask('debugpod', { name: 'x' })).error.code, 'BadRequest')
    const slo = await ask('debugslo', {
      from: '2021-09-14T00:00:00Z',
      to: '2021-09-15T00:00:00Z',
      limit: 5000,
    })
    const final = reports.filter((r) =>
      ['success', 'late', 'failed', 'killed'].includes(r.slo.create.result),
    )
    assert.equal(slo.counts.total, final.length)
    assert.equal(
      slo.counts.byResult.late,
      final.filter((r) => r.slo.create.result === 'late').length,
    )
    assert.equal(slo.pods.length, final.length)
    assert.ok(slo.latencyMs.p50 !== null && slo.latencyMs.p50 <= (slo.latencyMs.p99 ?? 0))
    const late = await ask('debugslo', {
      from: '2021-09-14T00:00:00Z',
      to: '2021-09-15T00:00:00Z',
      result: 'late',
    })
    assert.ok(late.pods.every((p: { result: string }) => p.result === 'late'))
    assert.ok(parseTime(slo.from))
  })
})
