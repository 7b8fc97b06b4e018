import { audit, kubeletOf, sTime, uuid } from './audit.ts'

/** A pod condition as the story keeps it. */
export interface Cond {
  type: string
  status: string
  lastTransitionTime: string
  reason?: string
  message?: string
}

/** A core/v1 Event the pod's kubelet writes, as its audit line (level Request: no response). */
export function kubeletEventLine(
  pod: { ns: string; name: string; uid: string; node: string; nodeIP: string },
  e: { t: number; reason: string; message: string; type: string; count: number; first: number },
): Record<string, unknown> {
  const { ns, name, uid, node } = pod
  const evName = `${name}.${(e.t * 1000).toString(16).slice(-12)}`
  return audit({
    level: 'Request',
    by: kubeletOf(node, pod.nodeIP),
    verb: 'create',
    uri: `/api/v1/namespaces/${ns}/events`,
    ref: { resource: 'events', namespace: ns, name: evName },
    code: 201,
    at: e.t,
    req: {
      kind: 'Event',
      apiVersion: 'v1',
      metadata: { name: evName, namespace: ns },
      involvedObject: {
        kind: 'Pod',
        namespace: ns,
        name,
        uid,
        apiVersion: 'v1',
        fieldPath: 'spec.containers{app}',
      },
      reason: e.reason,
      message: e.message,
      source: { component: 'kubelet', host: node },
      firstTimestamp: sTime(e.first),
      lastTimestamp: sTime(e.t),
      count: e.count,
      type: e.type,
    },
  })
}

/** What `podObject` needs of a story's pod: identity, its evolving status, a version counter. */
export interface PodView {
  ns: string
  rs: string
  name: string
  uid: string
  image: string
  node: string | null
  nodeIP: string
  phase: string
  container: Record<string, unknown>
  created: string
  startTime: string | undefined
  deletion: Record<string, unknown>
  conditions: readonly object[]
  rv: number
}

/** The Pod object as the API server returns it at this point of the story. */
export function podObject(st: PodView) {
  const {
    ns,
    rs,
    name,
    uid,
    image,
    node,
    nodeIP,
    phase,
    container,
    created,
    startTime,
    deletion,
    conditions,
  } = st
  return {
    kind: 'Pod',
    apiVersion: 'v1',
    metadata: {
      name,
      generateName: `${rs}-`,
      namespace: ns,
      uid,
      resourceVersion: String(1000 + st.rv),
      creationTimestamp: created,
      labels: { app: rs.replace(/-[a-z0-9]+$/, ''), 'pod-template-hash': rs.split('-').at(-1) },
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          name: rs,
          uid: uuid(`rs ${ns}/${rs}`),
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
      ...deletion,
    },
    spec: {
      containers: [
        {
          name: 'app',
          image,
          readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 5 },
          resources: { requests: { cpu: '250m', memory: '256Mi' } },
        },
      ],
      restartPolicy: 'Always',
      schedulerName: 'default-scheduler',
      ...(node ? { nodeName: node } : {}),
    },
    status: {
      phase,
      conditions,
      ...(node
        ? { hostIP: nodeIP, podIP: `10.244.${nodeIP.split('.')[3]}.${(st.rv % 200) + 10}` }
        : {}),
      ...(startTime ? { startTime } : {}),
      ...(node ? { containerStatuses: [container] } : {}),
      qosClass: 'Burstable',
    },
  }
}
