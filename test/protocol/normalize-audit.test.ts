import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { AuditEvent } from '../../protocol/k8s-audit.ts'
import { normalizeAuditEvent } from '../../protocol/normalize-audit.ts'
import type { PodOp, PodSignal } from '../../protocol/pod-signal.ts'
import {
  evictedPod,
  jobPodSucceeds,
  neverBoundDeleted,
  podLifecycle,
  rejectedByQuota,
  unschedulableThenBound,
} from '../support/audit-fixtures.ts'
import { micros } from '../support/audit-fixtures-base.ts'
import { MIXED_PODS } from '../support/audit-fixtures-catalog.ts'

/** The one signal of an audit event (fails the test otherwise). */
function one(e: unknown): PodSignal {
  const r = normalizeAuditEvent(e)
  assert.ok(r.ok, `expected a signal, got ${JSON.stringify(r)}`)
  assert.equal(r.signals.length, 1)
  const [s] = r.signals
  assert.ok(s)
  return s
}

function find(events: AuditEvent[], pred: (e: AuditEvent) => boolean, nth = 0): AuditEvent {
  const found = events.filter(pred)[nth]
  assert.ok(found, 'fixture event not found')
  return found
}

const is =
  (verb: string, sub?: string, resource = 'pods') =>
  (e: AuditEvent): boolean =>
    e.verb === verb && e.objectRef?.resource === resource && e.objectRef?.subresource === sub

const opsOf = (s: PodSignal): string[] => s.ops.map((o) => o.op)

const happy = podLifecycle(MIXED_PODS.happy)
const P = MIXED_PODS.happy

describe('normalizeAuditEvent: happy pod, one case per operation', () => {
  it('create pods 201 → pod:create:success + schedule entry, facts, uid from the response', () => {
    const s = one(find(happy, is('create')))
    assert.deepEqual(opsOf(s), ['pod:create:success', 'schedule:default-scheduler:entry'])
    assert.deepEqual(s.pod, { namespace: P.namespace, name: P.name, uid: P.uid })
    assert.equal(s.source, 'audit')
    assert.equal(s.time, P.createdAt)
    assert.equal(s.precision, 'us')
    assert.equal(s.received, P.createdAt - 9_000)
    assert.equal(s.actor, 'system:serviceaccount:kube-system:replicaset-controller')
    assert.match(s.id, /^audit:[0-9a-f-]{36}:ResponseComplete$/)
    assert.deepEqual(s.facts?.owner, { kind: 'ReplicaSet', name: 'web-7d9f8c6b5d' })
    assert.deepEqual(s.facts?.containers, [{ name: 'app', image: 'nginx:1.25.3' }])
    assert.deepEqual(s.facts?.volumeKinds, ['projected'])
    assert.equal(s.facts?.creationTimestamp, micros('2024-05-14T09:00:00Z'))
    assert.equal(s.facts?.nodeName, undefined)
  })

  it('create pods/binding → schedule:binding:success with node, uid from the Binding', () => {
    const s = one(find(happy, is('create', 'binding')))
    assert.deepEqual(s.ops, [{ op: 'schedule:binding:success', node: 'worker-1' }])
    assert.equal(s.pod.uid, P.uid)
    assert.equal(s.actor, 'system:kube-scheduler')
    assert.equal(s.facts?.nodeName, 'worker-1')
  })

  it('kubelet accept patch → conditions, waiting container, ready, restarts', () => {
    const s = one(find(happy, is('patch', 'status')))
    assert.deepEqual(s.ops, [
      { op: 'condition:PodReadyToStartContainers:false' },
      { op: 'condition:Initialized:true' },
      {
        op: 'condition:Ready:false',
        reason: 'ContainersNotReady',
        message: 'containers with unready status: [app]',
      },
      {
        op: 'condition:ContainersReady:false',
        reason: 'ContainersNotReady',
        message: 'containers with unready status: [app]',
      },
      {
        op: 'containerState:app:Waiting:ContainerCreating',
        reason: 'ContainerCreating',
        container: 'app',
      },
      { op: 'containerReady:app:false', container: 'app' },
      { op: 'containerRestartCount:app:0', count: 0, container: 'app' },
    ] satisfies PodOp[])
    assert.equal(s.actor, 'system:node:worker-1')
    assert.equal(s.pod.uid, P.uid)
  })

  it('running patch → phase:Running:set, pod:ip:set, containerState Running', () => {
    const ops = opsOf(one(find(happy, is('patch', 'status'), 1)))
    assert.deepEqual(ops, [
      'condition:PodReadyToStartContainers:true',
      'phase:Running:set',
      'pod:ip:set',
      'containerState:app:Running',
      'containerReady:app:false',
      'containerRestartCount:app:0',
    ])
  })

  it('ready patch → condition:Ready:true, containerReady true', () => {
    const ops = opsOf(one(find(happy, is('patch', 'status'), 2)))
    assert.ok(ops.includes('condition:Ready:true'))
    assert.ok(ops.includes('condition:ContainersReady:true'))
    assert.ok(ops.includes('containerReady:app:true'))
  })

  it('graceful delete (grace 30) → pod:delete:success with grace', () => {
    const s = one(find(happy, is('delete')))
    assert.deepEqual(s.ops, [{ op: 'pod:delete:success', grace: 30 }])
    assert.equal(s.actor, 'system:serviceaccount:kube-system:replicaset-controller')
  })

  it('stop patch → terminated container and phase', () => {
    const ops = opsOf(one(find(happy, is('patch', 'status'), 3)))
    assert.ok(ops.includes('containerState:app:terminated:Completed;exitCode:0'))
    assert.ok(ops.includes('phase:Succeeded:set'))
  })

  it("the kubelet's final delete (grace 0) → pod:deleted:success", () => {
    const s = one(find(happy, is('delete'), 1))
    assert.deepEqual(s.ops, [{ op: 'pod:deleted:success' }])
    assert.equal(s.actor, 'system:node:worker-1')
  })

  it('kubelet core/v1 Event create → event info, placed at firstTimestamp, Event id', () => {
    const byKubelet = (e: AuditEvent) =>
      is('create', undefined, 'events')(e) && e.user?.username === 'system:node:worker-1'
    const s = one(find(happy, byKubelet))
    assert.deepEqual(s.ops, [])
    assert.equal(s.event?.reason, 'Pulling')
    assert.equal(s.event?.type, 'Normal')
    assert.equal(s.event?.component, 'kubelet')
    assert.equal(s.event?.count, 1)
    assert.equal(s.event?.fieldPath, 'spec.containers{app}')
    assert.equal(s.event?.message, 'Pulling image "nginx:1.25.3"')
    assert.equal(s.precision, 's')
    assert.equal(s.time, s.event?.first)
    assert.equal(s.id, `event:${s.event?.uid}:1`)
    assert.deepEqual(s.pod, { namespace: P.namespace, name: P.name, uid: P.uid })
  })
})

describe('normalizeAuditEvent: scenario operations', () => {
  it('create rejected by quota → pod:create:failed with code, message, reason; no uid', () => {
    const [e] = rejectedByQuota(MIXED_PODS.quota)
    const s = one(e)
    const [op] = s.ops
    assert.equal(op?.op, 'pod:create:failed')
    assert.equal(op?.code, 403)
    assert.equal(op?.reason, 'Forbidden')
    assert.match(op?.message ?? '', /exceeded quota: compute-resources/)
    assert.deepEqual(s.pod, { namespace: 'team-quota', name: MIXED_PODS.quota.name })
    assert.deepEqual(s.facts?.owner, { kind: 'ReplicaSet', name: 'batch-worker-6b8d9f7c4' })
  })

  const unsched = unschedulableThenBound(MIXED_PODS.unschedulable)
  it('scheduler status patch → condition:PodScheduled:false Unschedulable (uid from response)', () => {
    const s = one(find(unsched, is('patch', 'status')))
    assert.equal(s.ops[0]?.op, 'condition:PodScheduled:false')
    assert.equal(s.ops[0]?.reason, 'Unschedulable')
    assert.equal(s.pod.uid, MIXED_PODS.unschedulable.uid)
  })

  it('events.k8s.io FailedScheduling and its series bump', () => {
    const first = one(find(unsched, is('create', undefined, 'events')))
    assert.equal(first.event?.reason, 'FailedScheduling')
    assert.equal(first.event?.type, 'Warning')
    assert.equal(first.event?.component, 'default-scheduler')
    assert.equal(first.precision, 'us')
    const bump = one(find(unsched, is('patch', undefined, 'events')))
    assert.equal(bump.event?.count, 2)
    assert.equal(bump.event?.uid, first.event?.uid)
    assert.equal(bump.event?.first, first.time)
    assert.equal(bump.time, MIXED_PODS.unschedulable.createdAt + 60_000_000)
    assert.equal(bump.id, `event:${first.event?.uid}:2`)
  })

  it('never bound, deleted by a user → pod:deleted:success at once', () => {
    const events = neverBoundDeleted(MIXED_PODS.neverBound)
    const s = one(find(events, is('delete')))
    assert.deepEqual(opsOf(s), ['pod:deleted:success'])
    assert.equal(s.actor, 'kubernetes-admin')
  })

  it('job-controller removes its finalizer → finalizer:<f>:delete; facts.finalizers empty', () => {
    const events = jobPodSucceeds(MIXED_PODS.job)
    const s = one(find(events, is('patch')))
    assert.deepEqual(opsOf(s), ['finalizer:batch.kubernetes.io/job-tracking:delete'])
    assert.deepEqual(s.facts?.finalizers, [])
    const created = one(find(events, is('create')))
    assert.deepEqual(created.facts?.finalizers, ['batch.kubernetes.io/job-tracking'])
    assert.equal(created.facts?.restartPolicy, 'Never')
    assert.deepEqual(created.facts?.owner, { kind: 'Job', name: 'report-28571940' })
  })

  it('eviction 201 → pod:evicted (no uid in an Eviction: resolved by name)', () => {
    const s = one(find(evictedPod(MIXED_PODS.evicted), is('create', 'eviction')))
    assert.deepEqual(s.ops, [{ op: 'pod:evicted' }])
    assert.deepEqual(s.pod, { namespace: 'default', name: MIXED_PODS.evicted.name })
  })
})
