import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { AuditEvent } from '../../protocol/k8s-audit.ts'
import { normalizeAuditEvent } from '../../protocol/normalize-audit.ts'
import type { PodSignal } from '../../protocol/pod-signal.ts'
import { podLifecycle } from '../support/audit-fixtures.ts'
import { ADMIN, auditEvent, clone, kubelet, micros } from '../support/audit-fixtures-base.ts'
import { MIXED_PODS } from '../support/audit-fixtures-catalog.ts'

const happy = podLifecycle(MIXED_PODS.happy)
const pick = (verb: string, sub?: string, nth = 0): AuditEvent => {
  const e = happy.filter((x) => x.verb === verb && x.objectRef?.subresource === sub)[nth]
  assert.ok(e)
  return clone(e)
}
const ready = pick('patch', 'status', 2).responseObject as Record<string, unknown>
const AT = micros('2024-05-14T09:06:00.000001Z')
const ref = {
  resource: 'pods',
  namespace: 'default',
  name: MIXED_PODS.happy.name,
  apiVersion: 'v1',
}

function signal(e: unknown): PodSignal {
  const r = normalizeAuditEvent(e)
  assert.ok(r.ok && r.signals[0], JSON.stringify(r))
  return r.signals[0]
}
const ops = (e: unknown): string[] => signal(e).ops.map((o) => o.op)

/** A `patch`/`update pods` by a controller with the given body and response finalizers. */
function podWrite(verb: string, body: unknown, finalizers?: string[], extra = {}): AuditEvent {
  const pod = clone(ready)
  const meta = pod.metadata as Record<string, unknown>
  if (finalizers) meta.finalizers = finalizers
  Object.assign(meta, extra)
  return auditEvent({
    by: ADMIN,
    verb,
    requestURI: '/api/v1/namespaces/default/pods/x',
    objectRef: ref,
    code: 200,
    at: AT,
    requestObject: body,
    responseObject: pod,
  })
}

describe('normalizeAuditEvent: tolerated shapes', () => {
  it('a trimmed line without stage, apiVersion and user counts as ResponseComplete', () => {
    const e = pick('create') as Record<string, unknown>
    delete e.stage
    delete e.apiVersion
    delete e.user
    const s = signal(e)
    assert.match(s.id, /:ResponseComplete$/)
    assert.equal(s.actor, undefined)
  })

  it('an old event with only `timestamp` is placed at it (precision s)', () => {
    const e = pick('create') as Record<string, unknown>
    delete e.stageTimestamp
    delete e.requestReceivedTimestamp
    e.timestamp = '2024-05-14T09:00:00Z'
    const s = signal(e)
    assert.equal(s.time, micros('2024-05-14T09:00:00Z'))
    assert.equal(s.precision, 's')
    assert.equal(s.received, undefined)
  })
})

describe('normalizeAuditEvent: finalizers and metadata writes', () => {
  it('strategic-merge add → finalizer:<f>:add', () => {
    const e = podWrite('patch', { metadata: { finalizers: ['example.com/protect'] } }, [
      'example.com/protect',
    ])
    assert.deepEqual(ops(e), ['finalizer:example.com/protect:add'])
    assert.deepEqual(signal(e).facts?.finalizers, ['example.com/protect'])
  })

  it('JSON Patch add, and test+remove by index → add / delete', () => {
    const add = podWrite(
      'patch',
      [{ op: 'add', path: '/metadata/finalizers/-', value: 'a.io/x' }],
      ['a.io/x'],
    )
    assert.deepEqual(ops(add), ['finalizer:a.io/x:add'])
    const remove = podWrite('patch', [
      { op: 'test', path: '/metadata/finalizers/0', value: 'a.io/x' },
      { op: 'remove', path: '/metadata/finalizers/0' },
    ])
    assert.deepEqual(ops(remove), ['finalizer:a.io/x:delete'])
  })

  it('an update gives a facts-only signal (the finalizer set after the write)', () => {
    const s = signal(podWrite('update', ready, ['a.io/x']))
    assert.deepEqual(s.ops, [])
    assert.deepEqual(s.facts?.finalizers, ['a.io/x'])
  })

  it('removing the last finalizer of a pod deleted with grace 0 → pod:deleted:success', () => {
    const body = {
      metadata: {
        '$deleteFromPrimitiveList/finalizers': ['a.io/x'],
      },
    }
    const e = podWrite('patch', body, [], {
      deletionTimestamp: '2024-05-14T09:05:30Z',
      deletionGracePeriodSeconds: 0,
    })
    assert.deepEqual(ops(e), ['finalizer:a.io/x:delete', 'pod:deleted:success'])
  })
})

describe('normalizeAuditEvent: status writes', () => {
  it('update pods/status reports the response status', () => {
    const e = pick('patch', 'status', 2)
    e.verb = 'update'
    e.requestObject = clone(e.responseObject)
    assert.ok(ops(e).includes('condition:Ready:true'))
    assert.ok(ops(e).includes('phase:Running:set'))
  })

  it('a JSON Patch body maps conditions and phase; an unusable one is no-change, not a crash', () => {
    const e = pick('patch', 'status')
    e.requestObject = [
      { op: 'replace', path: '/status/phase', value: 'Running' },
      {
        op: 'add',
        path: '/status/conditions/0',
        value: { type: 'Ready', status: 'False', reason: 'X' },
      },
    ]
    assert.deepEqual(ops(e), ['condition:Ready:false', 'phase:Running:set'])
    e.requestObject = [{ op: 'move', from: '/a', path: '/b' }, 7]
    assert.deepEqual(normalizeAuditEvent(e), { ok: false, dropped: 'no-change' })
  })

  it('a patch at level Request: uid from the body, none when the body has none', () => {
    const e = pick('patch', 'status') as Record<string, unknown>
    delete e.responseObject
    assert.equal(signal(e).pod.uid, MIXED_PODS.happy.uid)
    e.requestObject = { status: { phase: 'Running' } }
    assert.deepEqual(signal(e).pod, { namespace: 'default', name: MIXED_PODS.happy.name })
  })
})

describe('normalizeAuditEvent: deletes, failures, special creates', () => {
  it('delete answered with a Status, or with grace 0 asked and no response → deleted', () => {
    const e = pick('delete')
    e.responseObject = { kind: 'Status', apiVersion: 'v1', status: 'Success' }
    assert.deepEqual(ops(e), ['pod:deleted:success'])
    delete e.responseObject
    e.requestObject = { kind: 'DeleteOptions', gracePeriodSeconds: 0 }
    assert.deepEqual(ops(e), ['pod:deleted:success'])
    e.requestObject = { kind: 'DeleteOptions' }
    assert.deepEqual(ops(e), ['pod:delete:success'])
  })

  it('failed binding and refused eviction (429) → no-change', () => {
    const b = pick('create', 'binding')
    b.responseStatus = { code: 409, reason: 'Conflict' }
    assert.deepEqual(normalizeAuditEvent(b), { ok: false, dropped: 'no-change' })
    const ev = auditEvent({
      by: ADMIN,
      verb: 'create',
      requestURI: '/x',
      objectRef: { ...ref, subresource: 'eviction' },
      code: 429,
      at: AT,
    })
    assert.deepEqual(normalizeAuditEvent(ev), { ok: false, dropped: 'no-change' })
  })

  it('a mirror pod created by the kubelet → preassigned nodeName, staticPod, configHash', () => {
    const e = pick('create')
    const pod = e.responseObject as {
      metadata: Record<string, unknown>
      spec: Record<string, unknown>
    }
    pod.metadata.annotations = {
      'kubernetes.io/config.mirror': 'abc',
      'kubernetes.io/config.hash': 'abc',
    }
    pod.metadata.ownerReferences = [
      { apiVersion: 'v1', kind: 'Node', name: 'worker-1', uid: 'n', controller: true },
    ]
    pod.spec.nodeName = 'worker-1'
    e.user = kubelet('worker-1', '10.0.1.21').user
    const s = signal(e)
    assert.deepEqual(
      s.ops.map((o) => o.op),
      ['pod:create:success', 'schedule:default-scheduler:entry'],
    )
    assert.equal(s.facts?.nodeName, 'worker-1')
    assert.equal(s.facts?.staticPod, true)
    assert.equal(s.facts?.configHash, 'abc')
    assert.equal(s.actor, 'system:node:worker-1')
  })

  it('an Event patch without its response → no-change; a create without one keys by name', () => {
    const create = happy.find(
      (x) => x.objectRef?.resource === 'events' && x.verb === 'create' && !x.objectRef.apiGroup,
    )
    assert.ok(create)
    const patch = clone(create)
    patch.verb = 'patch'
    delete patch.responseObject
    assert.deepEqual(normalizeAuditEvent(patch), { ok: false, dropped: 'no-change' })
    const req = clone(create)
    delete req.responseObject
    const s = signal(req)
    const name = (req.requestObject as { metadata: { name: string } }).metadata.name
    assert.equal(s.event?.uid, `default/${name}`)
    assert.equal(s.id, `event:default/${name}:1`)
  })
})
