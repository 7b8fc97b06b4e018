import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createDecider } from '../../../../actors/lifecycle/decide.ts'
import type { PodState } from '../../../../actors/lifecycle/pod-state.ts'
import { decodeState } from '../../../../actors/lifecycle/pod-state-codec.ts'
import { toReport } from '../../../../actors/lifecycle/report.ts'
import { PartitionWorker } from '../../../../actors/runtime/host/partition-worker.ts'
import { MemoryStore } from '../../../../actors/runtime/store/memory-store.ts'
import { DEFAULT_SLO_CONFIG } from '../../../../config/slo-config.ts'
import type { PodSignal } from '../../../../protocol/pod-signal.ts'
import { SERVICE_FACTS, sig } from '../../../support/signals.ts'

const OLD = '0a0a0a0a-0000-4000-8000-000000000001'
const NEW = '0b0b0b0b-0000-4000-8000-000000000002'

interface Fed {
  store: MemoryStore
  held: number
  state(uid: string): Promise<PodState | undefined>
}

/** Feeds signals to one partition worker on the replay clock, one batch per signal. */
async function host(signals: PodSignal[]): Promise<Fed> {
  const store = new MemoryStore()
  const worker = new PartitionWorker({
    partition: 0,
    store,
    decide: createDecider({ config: DEFAULT_SLO_CONFIG }),
    mode: 'replay',
  })
  let held = 0
  for (const s of signals) {
    held += (await worker.process([{ v: 1, kind: 'signal', signal: s }])).held
  }
  return {
    store,
    held,
    async state(uid) {
      const json = await store.getState(uid)
      return json ? decodeState(uid, json) : undefined
    },
  }
}

const report = async (h: Fed, uid: string) => {
  const state = await h.state(uid)
  assert.ok(state, `no actor for ${uid}`)
  return toReport(state, DEFAULT_SLO_CONFIG, null)
}

describe('partition worker: name → UID resolution', () => {
  it('a binding without UID goes to the newest live pod of that name', async () => {
    const h = await host([
      sig({
        at: '2024-05-01T10:00:00.1Z',
        uid: OLD,
        facts: SERVICE_FACTS,
        ops: ['pod:create:success'],
      }),
      sig({ at: '2024-05-01T10:00:30.1Z', uid: OLD, ops: ['pod:deleted:success'] }),
      sig({
        at: '2024-05-01T10:01:00.1Z',
        uid: NEW,
        facts: SERVICE_FACTS,
        ops: ['pod:create:success'],
      }),
      sig({
        at: '2024-05-01T10:01:00.9Z',
        uid: null,
        ops: [{ op: 'schedule:binding:success', node: 'node-b' }],
      }),
    ])
    assert.equal((await report(h, NEW)).milestones.scheduled?.time, '2024-05-01T10:01:00.900Z')
    assert.equal((await report(h, OLD)).milestones.scheduled, undefined)
  })
  it('an owner\'s "Created pod" event before the pod\'s own signals is held, then applied', async () => {
    const h = await host([
      sig({
        at: '2024-05-01T10:00:00Z',
        uid: null,
        source: 'event',
        facts: { owner: { kind: 'ReplicaSet', name: 'web-7d9f' } },
        ops: ['owner:pod:created'],
      }),
      sig({
        at: '2024-05-01T10:00:01.2Z',
        uid: NEW,
        source: 'event',
        event: {
          reason: 'Scheduled',
          message: 'Successfully assigned shop/web-1 to node-b',
          component: 'default-scheduler',
        },
      }),
      sig({ at: '2024-05-01T10:05:00Z', uid: null, source: 'event', ops: ['owner:pod:deleted'] }),
    ])
    const r = await report(h, NEW)
    assert.equal(r.milestones.created?.time, '2024-05-01T10:00:00Z')
    assert.equal(r.milestones.deleteRequested?.time, '2024-05-01T10:05:00Z')
    assert.deepEqual(r.owner, { kind: 'ReplicaSet', name: 'web-7d9f' })
    // Known only from Events and bound: Ready is unobservable, so no verdict (not 'killed').
    assert.equal(r.slo.create.result, 'pending')
    assert.equal(h.held, 1)
    assert.equal(await h.store.getMeta('held:shop/web-1'), null, 'released once the pod showed up')
  })
  it('a create event of a new pod never lands on an older pod of the same name', async () => {
    const h = await host([
      sig({
        at: '2024-05-01T10:00:00Z',
        uid: OLD,
        source: 'list',
        facts: { ...SERVICE_FACTS, creationTimestamp: 1714557600000000 },
        ops: ['pod:create:success'],
      }),
      sig({ at: '2024-05-01T11:00:00Z', uid: null, source: 'event', ops: ['owner:pod:created'] }),
    ])
    assert.equal((await report(h, OLD)).milestones.created?.time, '2024-05-01T10:00:00Z')
    assert.equal(JSON.parse((await h.store.getMeta('held:shop/web-1')) ?? '[]').length, 1)
  })
})

describe('partition worker: static pods', () => {
  it("events filed under a static pod's config UID merge into its mirror pod", async () => {
    const CONFIG = 'c0c0c0c0-0000-4000-8000-000000000003'
    const MIRROR = 'd0d0d0d0-0000-4000-8000-000000000004'
    const h = await host([
      sig({
        at: '2024-05-01T10:00:02Z',
        uid: CONFIG,
        source: 'event',
        event: {
          reason: 'Pulled',
          message: 'Container image "registry.example/etcd:3.5" already present on machine',
          fieldPath: 'spec.containers{etcd}',
        },
      }),
      sig({
        at: '2024-05-01T10:00:03Z',
        uid: CONFIG,
        source: 'event',
        event: {
          reason: 'Started',
          message: 'Started container etcd',
          fieldPath: 'spec.containers{etcd}',
        },
      }),
      sig({
        at: '2024-05-01T10:00:10Z',
        uid: MIRROR,
        source: 'list',
        facts: {
          staticPod: true,
          configHash: CONFIG,
          nodeName: 'master-0',
          creationTimestamp: 1714557610000000,
          containers: [{ name: 'etcd', image: 'registry.example/etcd:3.5' }],
          restartPolicy: 'Always',
        },
        ops: ['pod:create:success'],
      }),
      sig({
        at: '2024-05-01T10:00:20Z',
        uid: CONFIG,
        source: 'event',
        event: {
          reason: 'Unhealthy',
          type: 'Warning',
          message: 'Readiness probe failed: connection refused',
        },
      }),
    ])
    assert.equal(await h.state(CONFIG), undefined)
    assert.deepEqual(await h.store.members(0), [MIRROR])
    const state = await h.state(MIRROR)
    assert.ok(state)
    assert.deepEqual(
      state.events.map((e) => e.reason),
      ['Pulled', 'Started', 'Unhealthy'],
    )
    const r = await report(h, MIRROR)
    assert.equal(r.staticPod, true)
    assert.equal(r.milestones.scheduled, undefined)
    assert.equal(r.phases.imagePull, 0)
  })
})
