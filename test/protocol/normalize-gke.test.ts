import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { parse } from 'yaml'
import { normalizeAuditEvent } from '../../protocol/normalize-audit.ts'
import {
  gkeEntryToAuditEvent,
  grpcToHttp,
  unwrapManagedAuditRecord,
} from '../../protocol/normalize-gke.ts'
import { normalizeAuditRecord } from '../../protocol/normalize-gke-managed.ts'
import { parseGkeMethod, parseGkeResourceName } from '../../protocol/normalize-gke-names.ts'
import type { PodSignal } from '../../protocol/pod-signal.ts'
import { podLifecycle } from '../support/audit-fixtures.ts'
import { clone } from '../support/audit-fixtures-base.ts'
import { MIXED_PODS } from '../support/audit-fixtures-catalog.ts'

/** GKE 1.28 Cloud Audit Logs entries from KHI's test data (ANALYSIS.md §3). */
const KHI = '/work/shared/realdata/audit/khi-gke'
const UID = 'c0b4e00d-da76-4255-9a02-670d5b74aa3a'
const entry = (n: string): Record<string, unknown> =>
  parse(readFileSync(`${KHI}/container_recorder_test_${n}.yaml`, 'utf8')) as Record<string, unknown>

function gkeSignal(e: unknown): PodSignal {
  const c = gkeEntryToAuditEvent(e)
  assert.ok(c.ok, JSON.stringify(c))
  const r = normalizeAuditEvent(c.event)
  assert.ok(r.ok && r.signals.length === 1 && r.signals[0], JSON.stringify(r))
  return r.signals[0]
}

describe('real: KHI GKE entries → audit Events → signals', () => {
  it('1_1 pods.create converts to a complete audit Event', () => {
    const c = gkeEntryToAuditEvent(entry('1_1'))
    assert.ok(c.ok)
    const e = c.event
    assert.equal(e.auditID, '85371f7c-2383-4041-96e8-dad63d2d1990')
    assert.equal(e.verb, 'create')
    assert.equal(e.stage, 'ResponseComplete')
    assert.equal(e.stageTimestamp, '2024-01-01T01:00:00Z')
    assert.equal(e.level, 'RequestResponse')
    assert.deepEqual(e.responseStatus, { code: 201 })
    assert.deepEqual(e.objectRef, {
      resource: 'pods',
      namespace: '1-2-deployment-update',
      name: 'nginx-deployment-surge-8655b4b8c5-xf5f4',
      apiGroup: '',
      apiVersion: 'v1',
    })
    assert.equal(e.user?.username, 'system:serviceaccount:kube-system:replicaset-controller')
    assert.equal(e.requestURI, '/api/v1/namespaces/1-2-deployment-update/pods')
  })

  it('1_1 gives the create signal with the response UID and facts', () => {
    const s = gkeSignal(entry('1_1'))
    assert.deepEqual(s.pod, {
      namespace: '1-2-deployment-update',
      name: 'nginx-deployment-surge-8655b4b8c5-xf5f4',
      uid: UID,
    })
    assert.deepEqual(
      s.ops.map((o) => o.op),
      ['pod:create:success', 'schedule:default-scheduler:entry'],
    )
    assert.deepEqual(s.facts?.owner, {
      kind: 'ReplicaSet',
      name: 'nginx-deployment-surge-8655b4b8c5',
    })
    assert.deepEqual(
      s.facts?.containers?.map((c) => c.name),
      ['nginx', 'late-startup'],
    )
  })

  it('1_2 kubelet status patch: Initialized, not ready, both containers ContainerCreating', () => {
    const s = gkeSignal(entry('1_2'))
    assert.equal(s.pod.uid, UID)
    assert.equal(s.actor, 'system:node:gke-sample-cluster-default-abcdefgh-abcd')
    const notReady = 'containers with unready status: [nginx late-startup]'
    assert.deepEqual(s.ops, [
      { op: 'condition:Initialized:true' },
      { op: 'condition:Ready:false', reason: 'ContainersNotReady', message: notReady },
      { op: 'condition:ContainersReady:false', reason: 'ContainersNotReady', message: notReady },
      {
        op: 'containerState:late-startup:Waiting:ContainerCreating',
        reason: 'ContainerCreating',
        container: 'late-startup',
      },
      { op: 'containerReady:late-startup:false', container: 'late-startup' },
      { op: 'containerRestartCount:late-startup:0', count: 0, container: 'late-startup' },
      {
        op: 'containerState:nginx:Waiting:ContainerCreating',
        reason: 'ContainerCreating',
        container: 'nginx',
      },
      { op: 'containerReady:nginx:false', container: 'nginx' },
      { op: 'containerRestartCount:nginx:0', count: 0, container: 'nginx' },
    ])
  })

  it('1_3 kubelet status patch: both containers running, nginx ready, Ready unchanged', () => {
    // The sanitised body carries no phase/podIP (KHI's manifest shows phase Running) and its
    // Ready/ContainersReady entries only change the message: no condition op.
    const s = gkeSignal(entry('1_3'))
    assert.equal(s.pod.uid, UID)
    assert.deepEqual(
      s.ops.map((o) => o.op),
      [
        'containerState:late-startup:Running',
        'containerReady:late-startup:false',
        'containerRestartCount:late-startup:0',
        'containerState:nginx:Running',
        'containerReady:nginx:true',
        'containerRestartCount:nginx:0',
      ],
    )
  })

  it('the three entries give three distinct signal ids for one UID', () => {
    const signals = ['1_1', '1_2', '1_3'].map((n) => gkeSignal(entry(n)))
    assert.equal(new Set(signals.map((s) => s.id)).size, 3)
    assert.ok(signals.every((s) => s.pod.uid === UID))
  })
})

describe('GKE names and codes', () => {
  it('parses method names', () => {
    assert.deepEqual(parseGkeMethod('io.k8s.core.v1.pods.status.patch'), {
      apiGroup: '',
      apiVersion: 'v1',
      resource: 'pods',
      subresource: 'status',
      verb: 'patch',
    })
    assert.equal(parseGkeMethod('io.k8s.events.v1.events.create')?.apiGroup, 'events.k8s.io')
    assert.equal(parseGkeMethod('io.k8s.apps.v1.deployments.update')?.apiGroup, 'apps')
    assert.equal(
      parseGkeMethod('io.k8s.authorization.rbac.v1.clusterroles.create')?.apiGroup,
      'rbac.authorization.k8s.io',
    )
    assert.equal(parseGkeMethod('io.k8s.core.v1.pods.binding.create')?.subresource, 'binding')
    assert.equal(parseGkeMethod('google.container.v1.ClusterManager.CreateCluster'), undefined)
  })

  it('parses resource names', () => {
    assert.deepEqual(parseGkeResourceName('core/v1/namespaces/ns/pods/p/status'), {
      namespace: 'ns',
      name: 'p',
      subresource: 'status',
    })
    assert.deepEqual(parseGkeResourceName('core/v1/nodes/n1'), { name: 'n1' })
    assert.deepEqual(parseGkeResourceName('core/v1/namespaces/ns/pods'), { namespace: 'ns' })
  })

  it('maps gRPC codes to HTTP', () => {
    const table: [number, string, string | undefined, number][] = [
      [0, 'create', undefined, 201],
      [0, 'create', 'binding', 200],
      [0, 'patch', 'status', 200],
      [0, 'delete', undefined, 200],
      [3, 'create', undefined, 400],
      [5, 'delete', undefined, 404],
      [6, 'create', undefined, 409],
      [7, 'create', undefined, 403],
      [8, 'create', 'eviction', 429],
      [13, 'patch', undefined, 500],
    ]
    for (const [grpc, verb, sub, http] of table) assert.equal(grpcToHttp(grpc, verb, sub), http)
  })

  it('a denied create (gRPC 7) becomes pod:create:failed with the message', () => {
    const e = entry('1_1')
    const p = e.protoPayload as Record<string, unknown>
    p.status = { code: 7, message: 'pods "x" is forbidden: exceeded quota: q' }
    p.response = { '@type': 'core.k8s.io/v1.Status', kind: 'Status', reason: 'Forbidden' }
    const s = gkeSignal(e)
    assert.deepEqual(s.ops, [
      {
        op: 'pod:create:failed',
        code: 403,
        message: 'pods "x" is forbidden: exceeded quota: q',
        reason: 'Forbidden',
      },
    ])
  })
})

describe('GKE entries: drops and invalid', () => {
  it('drops other services and payloads, and unparseable methods', () => {
    const other = entry('1_1')
    ;(other.protoPayload as Record<string, unknown>).serviceName = 'container.googleapis.com'
    assert.deepEqual(gkeEntryToAuditEvent(other), { ok: false, dropped: 'irrelevant-resource' })
    const method = entry('1_1')
    ;(method.protoPayload as Record<string, unknown>).methodName = 'io.k8s.get'
    assert.deepEqual(gkeEntryToAuditEvent(method), { ok: false, dropped: 'irrelevant-resource' })
  })

  it('names what is wrong', () => {
    assert.match(
      String((gkeEntryToAuditEvent(3) as { invalid: string }).invalid),
      /expected an object, got number/,
    )
    assert.match(
      String((gkeEntryToAuditEvent({}) as { invalid: string }).invalid),
      /no protoPayload/,
    )
    const noTime = entry('1_2')
    delete noTime.timestamp
    assert.match(
      String((gkeEntryToAuditEvent(noTime) as { invalid: string }).invalid),
      /^gke entry: timestamp: /,
    )
    const noId = entry('1_2')
    delete noId.operation
    delete noId.insertId
    assert.match(
      String((gkeEntryToAuditEvent(noId) as { invalid: string }).invalid),
      /no operation.id or insertId/,
    )
  })
})

describe('managed wrappers: EKS CloudWatch and AKS diagnostics', () => {
  const [raw] = podLifecycle(MIXED_PODS.happy)
  it('unwraps EKS `message` and AKS `properties.log`, leaves others alone', () => {
    const eks = { timestamp: 1715677200120, message: JSON.stringify(raw), ingestionTime: 1 }
    assert.deepEqual(unwrapManagedAuditRecord(eks), { ok: true, wrapper: 'eks', event: raw })
    const aks = {
      category: 'kube-audit',
      properties: { log: JSON.stringify(raw), stream: 'stdout' },
    }
    assert.deepEqual(unwrapManagedAuditRecord(aks), { ok: true, wrapper: 'aks', event: raw })
    assert.equal(unwrapManagedAuditRecord(raw), undefined)
    assert.equal(
      unwrapManagedAuditRecord({ message: 'Back-off pulling image', reason: 'BackOff' }),
      undefined,
    )
    assert.match(
      String((unwrapManagedAuditRecord({ message: '{oops' }) as { invalid: string }).invalid),
      /^eks record: /,
    )
  })

  it('normalizeAuditRecord accepts raw, GKE, EKS and AKS shapes alike', () => {
    const direct = normalizeAuditEvent(raw)
    assert.deepEqual(normalizeAuditRecord({ message: JSON.stringify(raw) }), direct)
    assert.deepEqual(normalizeAuditRecord({ properties: { log: JSON.stringify(raw) } }), direct)
    assert.deepEqual(normalizeAuditRecord(clone(raw)), direct)
    const gke = normalizeAuditRecord(entry('1_1'))
    assert.ok(gke.ok && gke.signals[0]?.pod.uid === UID)
  })
})
