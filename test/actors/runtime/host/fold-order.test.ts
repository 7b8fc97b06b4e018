import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { listedSignals } from '../../../../actors/collectors/kube-resources.ts'
import { createDecider } from '../../../../actors/lifecycle/decide.ts'
import { decodeState } from '../../../../actors/lifecycle/pod-state-codec.ts'
import { toReport } from '../../../../actors/lifecycle/report.ts'
import { PartitionWorker } from '../../../../actors/runtime/host/partition-worker.ts'
import { MemoryStore } from '../../../../actors/runtime/store/memory-store.ts'
import { DEFAULT_SLO_CONFIG } from '../../../../config/slo-config.ts'
import type { PodSignal } from '../../../../protocol/pod-signal.ts'
import { readJsonLines } from '../../../support/fake-apiserver.ts'
import { realdata } from '../../../support/realdata.ts'
import { SERVICE_FACTS, sig, us } from '../../../support/signals.ts'

const base = 'events/openshift-ci-metal-2021-09-14'

/** The signals a watch collector's initial list gives for each listed Pod or Event. */
async function listed(kind: 'pods' | 'events'): Promise<PodSignal[]> {
  const items = await readJsonLines(realdata(`${base}.${kind}.jsonl`))
  return items.flatMap((item) => {
    const n = listedSignals(kind, item, new Set())
    return n.ok ? n.signals : []
  })
}

/**
 * Folds the signals through one live partition worker in batches of 256, every batch caught up,
 * on an injected wall clock `nowUs` (an alarm due by then fires between batches), and returns
 * what matters of each pod's report: milestones, phases, verdicts, diagnosis code.
 */
async function fold(signals: PodSignal[], uids: string[], nowUs: number) {
  const store = new MemoryStore()
  const worker = new PartitionWorker({
    partition: 0,
    store,
    decide: createDecider({ config: DEFAULT_SLO_CONFIG, inPlace: true }),
    mode: 'live',
    now: () => nowUs,
  })
  await worker.recover()
  for (let i = 0; i < signals.length; i += 256) {
    const batch = signals.slice(i, i + 256)
    await worker.process(batch.map((signal) => ({ v: 1, kind: 'signal', signal }) as const))
  }
  const out = new Map<string, unknown>()
  for (const uid of uids) {
    const json = await store.getState(uid)
    if (!json) {
      out.set(uid, null)
      continue
    }
    const r = toReport(decodeState(uid, json), DEFAULT_SLO_CONFIG, null)
    const milestones = Object.fromEntries(
      Object.entries(r.milestones).sort(([a], [b]) => (a < b ? -1 : 1)),
    )
    out.set(uid, { milestones, phases: r.phases, sli: r.sli, slo: r.slo, code: r.diagnosis?.code })
  }
  return out
}

describe('live partition worker: the metal data in either list order (Pods first, Events first)', () => {
  for (const [label, nowUs] of [
    [
      'judged years later (give-up long past when the first batch lands)',
      Date.parse('2026-01-01T00:00:00Z') * 1000,
    ],
    ['judged as it happened (wall clock just after the newest signal)', 0],
  ] as const) {
    it(`every pod's report is the same: ${label}`, async () => {
      const pods = await listed('pods')
      const events = await listed('events')
      const newest = Math.max(...[...pods, ...events].map((s) => s.time))
      const clock = nowUs || newest + 1_000_000
      const uids = [
        ...new Set([...pods, ...events].map((s) => s.pod.uid).filter((u): u is string => !!u)),
      ]
      assert.ok(uids.length > 200, `only ${uids.length} pods in the metal data`)
      const podsFirst = await fold([...pods, ...events], uids, clock)
      const eventsFirst = await fold([...events, ...pods], uids, clock)
      const differ = uids.filter(
        (uid) => JSON.stringify(podsFirst.get(uid)) !== JSON.stringify(eventsFirst.get(uid)),
      )
      const first = differ[0]
      assert.deepEqual(
        differ.length === 0 ? null : { uid: first, podsFirst: podsFirst.get(first ?? '') },
        differ.length === 0 ? null : { uid: first, podsFirst: eventsFirst.get(first ?? '') },
        `${differ.length} of ${uids.length} pods differ by delivery order`,
      )
    })
  }
})

describe('a give-up verdict and an end that arrives after it (synthetic signals)', () => {
  const created = sig({
    at: '2024-05-01T10:00:00.250000Z',
    ops: ['pod:create:success'],
    facts: SERVICE_FACTS,
  })
  const readyAt = (at: string) =>
    sig({ at, source: 'list', actor: 'system:node:node-a', ops: ['condition:Ready:true'] })
  /** The create signal, the give-up alarm on a wall clock an hour on, then `later`. */
  async function afterGiveUp(later: PodSignal) {
    const store = new MemoryStore()
    const worker = new PartitionWorker({
      partition: 0,
      store,
      decide: createDecider({ config: DEFAULT_SLO_CONFIG }),
      mode: 'live',
      now: () => us('2024-05-01T11:00:00Z'),
    })
    await worker.recover()
    await worker.process([{ v: 1, kind: 'signal', signal: created }])
    const uid = created.pod.uid ?? ''
    const gaveUp = decodeState(uid, (await store.getState(uid)) ?? '')
    assert.equal(gaveUp.slo.create.by, 'give-up')
    await worker.process([{ v: 1, kind: 'signal', signal: later }])
    return toReport(decodeState(uid, (await store.getState(uid)) ?? ''), DEFAULT_SLO_CONFIG, null)
  }
  it('a Ready from before the give-up time replaces it with the verdict Ready gives', async () => {
    const r = await afterGiveUp(readyAt('2024-05-01T10:02:00Z'))
    assert.equal(r.milestones.ready?.time, '2024-05-01T10:02:00Z')
    assert.equal(r.slo.create.result, 'success')
    assert.equal(r.slo.create.violatedAt, null)
  })
  it('a Ready after the give-up time leaves it failed (the milestone is still recorded)', async () => {
    const r = await afterGiveUp(readyAt('2024-05-01T10:50:00Z'))
    assert.equal(r.milestones.ready?.time, '2024-05-01T10:50:00Z')
    assert.equal(r.slo.create.result, 'failed')
  })
})
