import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createDecider } from '../../../actors/lifecycle/decide.ts'
import { toReport } from '../../../actors/lifecycle/report.ts'
import { LocalHost } from '../../../actors/runtime/local-host.ts'
import { DEFAULT_SLO_CONFIG } from '../../../config/slo-config.ts'
import type { PodSignal } from '../../../protocol/pod-signal.ts'
import { SERVICE_FACTS, sig } from '../../support/signals.ts'

const OLD = '0a0a0a0a-0000-4000-8000-000000000001'
const NEW = '0b0b0b0b-0000-4000-8000-000000000002'

function host(signals: PodSignal[]) {
  const h = new LocalHost({ decide: createDecider({ config: DEFAULT_SLO_CONFIG }) })
  let now = 0
  for (const s of signals) {
    now = Math.max(now, s.time)
    h.fireAlarms(now)
    h.handle(s, now)
  }
  return h
}

const report = (h: LocalHost, uid: string) => {
  const state = h.actors.get(uid)
  assert.ok(state, `no actor for ${uid}`)
  return toReport(state, DEFAULT_SLO_CONFIG, null)
}

describe('local host: name → UID resolution', () => {
  it('a binding without UID goes to the newest live pod of that name', () => {
    const h = host([
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
    assert.equal(report(h, NEW).milestones.scheduled?.time, '2024-05-01T10:01:00.900Z')
    assert.equal(report(h, OLD).milestones.scheduled, undefined)
  })
  it('an owner\'s "Created pod" event before the pod\'s own signals is held, then applied', () => {
    const h = host([
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
    const r = report(h, NEW)
    assert.equal(r.milestones.created?.time, '2024-05-01T10:00:00Z')
    assert.equal(r.milestones.deleteRequested?.time, '2024-05-01T10:05:00Z')
    assert.deepEqual(r.owner, { kind: 'ReplicaSet', name: 'web-7d9f' })
    // Known only from Events and bound: Ready is unobservable, so no verdict (not 'killed').
    assert.equal(r.slo.create.result, 'pending')
    assert.equal(h.unresolved().length, 0)
  })
  it('a create event of a new pod never lands on an older pod of the same name', () => {
    const h = host([
      sig({
        at: '2024-05-01T10:00:00Z',
        uid: OLD,
        source: 'list',
        facts: { ...SERVICE_FACTS, creationTimestamp: 1714557600000000 },
        ops: ['pod:create:success'],
      }),
      sig({ at: '2024-05-01T11:00:00Z', uid: null, source: 'event', ops: ['owner:pod:created'] }),
    ])
    assert.equal(report(h, OLD).milestones.created?.time, '2024-05-01T10:00:00Z')
    assert.equal(h.unresolved().length, 1)
  })
})

describe('local host: static pods', () => {
  it("events filed under a static pod's config UID merge into its mirror pod", () => {
    const CONFIG = 'c0c0c0c0-0000-4000-8000-000000000003'
    const MIRROR = 'd0d0d0d0-0000-4000-8000-000000000004'
    const h = host([
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
    assert.equal(h.actors.has(CONFIG), false)
    const state = h.actors.get(MIRROR)
    assert.ok(state)
    assert.deepEqual(
      state.events.map((e) => e.reason),
      ['Pulled', 'Started', 'Unhealthy'],
    )
    const r = report(h, MIRROR)
    assert.equal(r.staticPod, true)
    assert.equal(r.milestones.scheduled, undefined)
    assert.equal(r.phases.imagePull, 0)
    assert.equal(h.stats.merged, 1)
  })
})
