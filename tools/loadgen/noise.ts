import { auditRecord, controllerOf, kubeletOf, type TimedRecord } from './audit-records.ts'
import { pick, uuid } from './rand.ts'

/**
 * One audit record that no pod lifecycle needs, in the proportions a default-ish policy logs them:
 * node lease renewals dominate, then controller leader leases, endpoint slices, configmaps, node
 * status heartbeats and reads of pods (which our pipeline must recognise as irrelevant too).
 */
export function noiseRecord(rand: () => number, at: number, nodes: number): TimedRecord {
  const n = Math.floor(rand() * nodes)
  const node = `worker-${n}`
  const kind = pick(rand, [
    ['nodeLease', 50],
    ['leaderLease', 12],
    ['endpointSlice', 10],
    ['configMap', 8],
    ['nodeStatus', 10],
    ['podRead', 10],
  ] as const)
  const auditID = uuid(rand)
  const rv = String(1_000_000 + Math.floor(rand() * 9_000_000))
  if (kind === 'nodeLease') {
    const lease = {
      kind: 'Lease',
      apiVersion: 'coordination.k8s.io/v1',
      metadata: { name: node, namespace: 'kube-node-lease', uid: uuid(rand), resourceVersion: rv },
      spec: {
        holderIdentity: node,
        leaseDurationSeconds: 40,
        renewTime: new Date(at / 1000).toISOString(),
      },
    }
    return auditRecord({
      auditID,
      by: kubeletOf(node, `10.0.1.${n % 250}`),
      verb: 'update',
      uri: `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${node}?timeout=10s`,
      ref: {
        resource: 'leases',
        namespace: 'kube-node-lease',
        name: node,
        apiGroup: 'coordination.k8s.io',
        apiVersion: 'v1',
      },
      code: 200,
      at,
      requestObject: lease,
      responseObject: lease,
    })
  }
  if (kind === 'leaderLease') {
    const name = rand() < 0.5 ? 'kube-scheduler' : 'kube-controller-manager'
    return auditRecord({
      auditID,
      by: controllerOf('leader-election'),
      verb: 'update',
      uri: `/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/${name}?timeout=5s`,
      ref: {
        resource: 'leases',
        namespace: 'kube-system',
        name,
        apiGroup: 'coordination.k8s.io',
        apiVersion: 'v1',
      },
      code: 200,
      at,
      level: 'Metadata',
    })
  }
  if (kind === 'endpointSlice' || kind === 'configMap') {
    const ns = `team-${Math.floor(rand() * 20)}`
    const resource = kind === 'endpointSlice' ? 'endpointslices' : 'configmaps'
    const group = kind === 'endpointSlice' ? 'discovery.k8s.io' : ''
    const name = `svc-${Math.floor(rand() * 40)}${kind === 'endpointSlice' ? '-x7k2p' : '-config'}`
    const root = group ? `/apis/${group}/v1` : '/api/v1'
    const body = {
      kind: kind === 'endpointSlice' ? 'EndpointSlice' : 'ConfigMap',
      metadata: { name, namespace: ns, resourceVersion: rv, labels: { app: name } },
      ...(kind === 'configMap'
        ? { data: { 'settings.yaml': 'x'.repeat(200 + Math.floor(rand() * 600)) } }
        : {
            endpoints: Array.from({ length: 3 }, (_, i) => ({
              addresses: [`10.244.${n}.${i + 2}`],
              conditions: { ready: true },
            })),
          }),
    }
    return auditRecord({
      auditID,
      by: controllerOf(kind === 'endpointSlice' ? 'endpointslice-controller' : 'configmap-writer'),
      verb: 'update',
      uri: `${root}/namespaces/${ns}/${resource}/${name}`,
      ref: {
        resource,
        namespace: ns,
        name,
        ...(group ? { apiGroup: group } : {}),
        apiVersion: 'v1',
      },
      code: 200,
      at,
      requestObject: body,
      responseObject: body,
    })
  }
  if (kind === 'nodeStatus') {
    return auditRecord({
      auditID,
      by: kubeletOf(node, `10.0.1.${n % 250}`),
      verb: 'patch',
      uri: `/api/v1/nodes/${node}/status?timeout=10s`,
      ref: { resource: 'nodes', name: node, apiVersion: 'v1', subresource: 'status' },
      code: 200,
      at,
      requestObject: {
        status: {
          '$setElementOrder/conditions': [
            'MemoryPressure',
            'DiskPressure',
            'PIDPressure',
            'Ready',
          ].map((type) => ({ type })),
          conditions: ['MemoryPressure', 'DiskPressure', 'PIDPressure', 'Ready'].map((type) => ({
            type,
            lastHeartbeatTime: new Date(at / 1000).toISOString().replace(/\.\d+Z$/, 'Z'),
          })),
        },
      },
      level: 'Metadata',
    })
  }
  const ns = `team-${Math.floor(rand() * 20)}`
  return auditRecord({
    auditID,
    by: controllerOf('generic-garbage-collector'),
    verb: rand() < 0.5 ? 'get' : 'list',
    uri: `/api/v1/namespaces/${ns}/pods?limit=500`,
    ref: { resource: 'pods', namespace: ns, apiVersion: 'v1' },
    code: 200,
    at,
    level: 'Metadata',
  })
}
