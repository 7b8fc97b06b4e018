import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { it } from 'node:test'
import { KubeConfig } from '@kubernetes/client-node'
import { pino } from 'pino'
import { KubeWatchCollector } from '../../../actors/collectors/kube-watch.ts'
import { createDecider, type Diagnose } from '../../../actors/lifecycle/decide.ts'
import { createDiagnose } from '../../../actors/lifecycle/diagnosis-hook.ts'
import { EmbeddedBus } from '../../../actors/runtime/bus/embedded-bus.ts'
import { PartitionWorker } from '../../../actors/runtime/host/partition-worker.ts'
import { MemoryStore } from '../../../actors/runtime/store/memory-store.ts'
import { DEFAULT_SLO_CONFIG, type SloConfig } from '../../../config/slo-config.ts'
import type { SignalEnvelope } from '../../../protocol/envelope.ts'
import { normalizeK8sEvent } from '../../../protocol/normalize-event.ts'
import { normalizePod } from '../../../protocol/normalize-pod.ts'
import type { PodReport } from '../../../protocol/pod-report.ts'
import type { PodSignal } from '../../../protocol/pod-signal.ts'
import { DEFAULT_PARTITIONS } from '../../../protocol/subjects.ts'
import { readAll } from '../../../tools/replay/read-signals.ts'
import { DEFAULT_MAX_GAP_MS, runReplay } from '../../../tools/replay/replay.ts'
import { collectReports } from '../../../tools/replay/replay-collect.ts'
import { replayMessages } from '../../../tools/replay/replay-feed.ts'
import {
  FakeApiServer,
  readJsonLines,
  waitFor,
  writeKubeconfig,
} from '../../support/fake-apiserver.ts'
import { realdata } from '../../support/realdata.ts'

type Obj = Record<string, unknown>
type Step = {
  at: string
  resource: 'pods' | 'events'
  type: 'ADDED' | 'MODIFIED' | 'DELETED'
  object: Obj
}

// A hand-built (synthetic) watch stream of one Deployment pod and two Events about it, inside the
// metal capture's busiest window, so the replay clock, gaps and end of input stay the real data's.
const [NS, NAME, SCRIPTED_POD_UID] = ['e2e-watch', 'web-5d8f7-x2x9q', '5b0c8a2e-1f3d-4c6b-9a7e']
const T = (s: string) => `2021-09-14T14:${s}Z`
const cond = (type: string, status: string, at: string) => ({
  type,
  status,
  lastTransitionTime: T(at),
})
const image = 'registry.example/web:1.0'
const cs = (ready: boolean, state: Obj) => ({ name: 'web', image, ready, restartCount: 0, state })
const pod = (status: Obj, meta: Obj = {}): Obj => ({
  metadata: {
    name: NAME,
    namespace: NS,
    uid: SCRIPTED_POD_UID,
    creationTimestamp: T('20:00'),
    ...meta,
  },
  spec: { containers: [{ name: 'web', image }], ...(status.conditions ? { nodeName: 'w-a' } : {}) },
  status,
})
const up = (ready: string | null): Obj => ({
  phase: 'Running',
  podIP: '10.128.2.44',
  startTime: T('20:01'),
  conditions: [
    ...['Ready', 'ContainersReady'].map((c) => cond(c, ready ? 'True' : 'False', ready ?? '20:01')),
    ...['Initialized', 'PodScheduled'].map((c) => cond(c, 'True', '20:01')),
  ],
  containerStatuses: [cs(ready !== null, { running: { startedAt: T('20:05') } })],
})
const ended = { terminated: { exitCode: 0, startedAt: T('20:05'), finishedAt: T('21:02') } }
const gone = {
  phase: 'Running',
  conditions: ['Ready', 'ContainersReady'].map((c) => cond(c, 'False', '21:02')),
  containerStatuses: [cs(false, ended)],
}
const deleting = { deletionTimestamp: T('21:30'), deletionGracePeriodSeconds: 30 }
const event = (uid: string, reason: string, count: number, last: string): Obj => ({
  metadata: { name: `${NAME}.${uid}`, namespace: NS, uid, creationTimestamp: T('20:01') },
  involvedObject: { kind: 'Pod', name: NAME, namespace: NS, uid: SCRIPTED_POD_UID },
  reason,
  message: reason === 'Scheduled' ? `Successfully assigned ${NS}/${NAME} to w-a` : 'probe failed',
  type: reason === 'Scheduled' ? 'Normal' : 'Warning',
  count,
  firstTimestamp: T(reason === 'Scheduled' ? '20:01' : '20:06'),
  lastTimestamp: T(last),
  source: { component: reason === 'Scheduled' ? 'default-scheduler' : 'kubelet' },
})
const SCRIPT = (
  [
    ['20:00.250', 'pods', 'ADDED', pod({ phase: 'Pending' })],
    ['20:01.100', 'pods', 'MODIFIED', pod({ conditions: [cond('PodScheduled', 'True', '20:01')] })],
    ['20:01.300', 'events', 'ADDED', event('ev-1', 'Scheduled', 1, '20:01')],
    ['20:05.200', 'pods', 'MODIFIED', pod(up(null))],
    ['20:06.100', 'events', 'ADDED', event('ev-2', 'Unhealthy', 1, '20:06')],
    ['20:08.100', 'events', 'MODIFIED', event('ev-2', 'Unhealthy', 2, '20:08')],
    ['20:10.300', 'pods', 'MODIFIED', pod(up('20:10'))],
    ['21:00.200', 'pods', 'MODIFIED', pod(up('20:10'), deleting)],
    ['21:03.000', 'pods', 'DELETED', pod(gone, deleting)],
  ] as const
).map(([at, resource, type, object]): Step => ({ at: T(at), resource, type, object }))

const P = DEFAULT_PARTITIONS
const dec = new TextDecoder()
const lines = (reports: readonly PodReport[]) => reports.map((r) => JSON.stringify(r)).join('\n')

/**
 * Replay's order (LIFECYCLE §8: signal time, stable) made independent of how the live pods and
 * events loops happened to interleave on the bus: at equal times Event signals come first (replay
 * reads the events file before the pods file), then arrival order (list order = file order).
 */
function replayOrder(signals: readonly PodSignal[]): PodSignal[] {
  return signals
    .map((s, i) => ({ s, i, rank: s.id.startsWith('event:') ? 0 : 1 }))
    .sort((a, b) => a.s.time - b.s.time || a.rank - b.rank || a.i - b.i)
    .map((x) => x.s)
}

/**
 * The replay pipeline of `runReplay` from signals instead of files: the same message sequence
 * (`replayMessages`: signal-clock watermarks, gap suspension, end marker) folded by one
 * replay-mode `PartitionWorker` per partition, and the same `collectReports`.
 */
async function replaySignals(signals: readonly PodSignal[], config: SloConfig, diagnose: Diagnose) {
  const store = new MemoryStore()
  const decide = createDecider({ config, diagnose })
  const workers = Array.from(
    { length: P },
    (_, partition) => new PartitionWorker({ partition, store, decide, mode: 'replay' }),
  )
  const seq = replayMessages(signals, P, DEFAULT_MAX_GAP_MS * 1000, 'check')
  for (let next = seq.next(); !next.done; next = seq.next()) {
    const { to, msg } = next.value
    for (const w of to === 'all' ? workers : [workers[to]]) await w?.process([msg])
  }
  return collectReports(store, P, config, diagnose, signals.at(-1)?.time ?? 0)
}

/** What a replay of the recorded watch stream makes of one scripted step (watch semantics). */
function watchNormalized(step: Step, sent: Record<string, unknown>): readonly PodSignal[] {
  const observedAt = Date.parse(step.at) * 1000
  const deleted = step.type === 'DELETED'
  const out =
    step.resource === 'pods'
      ? normalizePod(sent, { source: 'watch', observedAt, deleted })
      : normalizeK8sEvent(sent, { source: 'watch', finalState: false })
  assert.ok(out.ok, `scripted ${step.type} ${step.resource} normalises`)
  return out.signals
}

it('publishes, through a 410 and a dropped watch, signals whose replay matches replaying the same data', async (t) => {
  const base = 'events/openshift-ci-metal-2021-09-14'
  const inputs = [realdata(`${base}.events.jsonl`), realdata(`${base}.pods.jsonl`)]
  const dir = await mkdtemp(join(tmpdir(), 'kube-watch-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  const api = await FakeApiServer.start()
  t.after(() => api.close())
  api.seed('events', await readJsonLines(inputs[0] ?? ''))
  api.seed('pods', await readJsonLines(inputs[1] ?? ''))
  const kubeConfig = new KubeConfig()
  kubeConfig.loadFromFile(await writeKubeconfig(dir, api.url))

  const bus = new EmbeddedBus()
  t.after(() => bus.close())
  const stream = 'LUNETTES_SIGNALS'
  await bus.ensureStream({
    name: stream,
    subjects: ['lunettes.signals.*'],
    maxAgeMs: 86_400_000,
    maxBytes: -1,
    duplicateWindowMs: 600_000,
  })
  const published = new Set<string>()
  let publishes = 0
  const sub = bus.subscribe('lunettes.signals.*', (_s, data) => {
    publishes++
    published.add((JSON.parse(dec.decode(data)) as SignalEnvelope).signal.id)
  })
  let clock = Date.parse('2021-09-14T14:19:00Z')
  const collector = new KubeWatchCollector({
    kubeConfig,
    bus,
    partitions: P,
    ignoredNamespaces: new Set(),
    log: pino({ level: 'silent' }),
    now: () => clock,
    backoff: { initialMs: 20, maxMs: 200 },
    pageSize: 100,
  })
  await collector.start()
  t.after(() => collector.stop())
  await collector.whenSynced()
  await waitFor(() => api.watchVersions('events').length === 1, 'the events watch')
  await waitFor(() => api.watchVersions('pods').length === 1, 'the pods watch')

  const scripted: PodSignal[] = []
  const rvs: string[] = []
  const play = async (step: Step) => {
    clock = Date.parse(step.at)
    const sent = api.apply(step.resource, step.type, step.object)
    rvs.push(String((sent.metadata as { resourceVersion: string }).resourceVersion))
    const expected = watchNormalized(step, sent)
    scripted.push(...expected)
    await waitFor(() => expected.every((s) => published.has(s.id)), `${step.type} ${step.at}`)
  }
  const [added, scheduled, schedEvent, running, probe1, probe2, ready, deleting, deleted] = SCRIPT
  for (const step of [added, scheduled, schedEvent]) if (step) await play(step)
  api.dropConnectionOnce('pods')
  if (running) await play(running) // cut mid-line: arrives after the reconnect
  for (const step of [probe1, probe2]) if (step) await play(step)
  const bookmark = api.bookmark()
  const loops = () => collector.stats().loops
  await waitFor(() => loops()['/api/v1/events']?.resourceVersion === bookmark, 'the bookmark')
  await waitFor(() => loops()['/api/v1/pods']?.resourceVersion === bookmark, 'the bookmark')
  api.return410Once('pods')
  api.endWatches()
  await waitFor(() => api.watchVersions('pods').length === 4, 'the watch after the re-list')
  for (const step of [ready, deleting, deleted]) if (step) await play(step)
  await collector.stop()
  await sub.close()

  const listRv = '29146' // the newest resourceVersion in the metal data
  // List, resume after the cut at the last complete event, the bookmark (→ 410), the re-list.
  assert.deepEqual(api.watchVersions('pods'), [listRv, rvs[1], bookmark, bookmark])
  assert.deepEqual(api.watchVersions('events'), [listRv, bookmark])
  assert.equal(api.lists('pods').length, 2, 'the 410 caused exactly one re-list')
  assert.equal(api.lists('events').length, 1)
  assert.ok(
    api.requests.some((r) => r.query.continue !== undefined),
    'lists were paginated',
  )
  assert.ok(api.requests.every((r) => r.authorization === 'Bearer fake-token'))
  const podLoop = loops()['/api/v1/pods']
  assert.deepEqual([podLoop?.relists, podLoop?.expired, podLoop?.errors], [1, 1, 1])

  const consumer = await bus.consumer({
    stream,
    durable: 'check',
    filterSubject: 'lunettes.signals.*',
    ackWaitMs: 60_000,
  })
  const actual: PodSignal[] = []
  for (let batch = await consumer.fetch(1000, 20); batch.length > 0; ) {
    for (const m of batch) {
      actual.push((JSON.parse(dec.decode(m.data)) as SignalEnvelope).signal)
      m.ack()
    }
    batch = await consumer.fetch(1000, 20)
  }
  const ids = actual.map((s) => s.id)
  assert.equal(new Set(ids).size, ids.length, 'the stream stored every signal once')
  assert.ok(publishes > ids.length + 2000, 're-list repeats were published and deduplicated')

  const config = DEFAULT_SLO_CONFIG
  const diagnose = createDiagnose(config)
  const files = await readAll(inputs, config, () => {})
  const seen = new Set<string>()
  const reference = [...files.signals, ...scripted].filter((s) => !seen.has(s.id) && seen.add(s.id))
  const want = new Set(reference.map((s) => s.id))
  const have = new Set(ids)
  const missing = [...want].filter((id) => !have.has(id))
  const extra = ids.filter((id) => !want.has(id))
  assert.deepEqual({ missing, extra }, { missing: [], extra: [] })

  const fromCollector = await replaySignals(replayOrder(actual), config, diagnose)
  const fromData = await replaySignals(replayOrder(reference), config, diagnose)
  assert.equal(lines(fromCollector), lines(fromData))
  const replayed = await runReplay({ inputs, config, diagnose })
  const metal = fromCollector.filter((r) => r.uid !== SCRIPTED_POD_UID)
  assert.equal(metal.length, replayed.reports.length)
  assert.equal(lines(metal), lines(replayed.reports), 'metal pods: byte-identical to runReplay')

  const pod = fromCollector.find((r) => r.uid === SCRIPTED_POD_UID)
  const sources = Object.values(pod?.milestones ?? {}).map((m) => m.source)
  assert.ok(sources.length >= 6 && sources.every((s) => s === 'watch' || s === 'event'))
  assert.ok(pod?.milestones.ready && pod.milestones.deleted && pod.milestones.deleteRequested)
  assert.equal(pod?.slo.create.result, 'success')
})
