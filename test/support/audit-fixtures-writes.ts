import type { AuditEvent } from '../../protocol/k8s-audit.ts'
import { auditEvent, type Requester, SCHEDULER, sTime } from './audit-fixtures-base.ts'
import { CONDITION_ORDER, setCondition } from './audit-fixtures-conditions.ts'
import {
  admit,
  createRequestBody,
  type FixtureContainerStatus,
  type PodState,
  snapshot,
} from './audit-fixtures-pod.ts'

function podsUri(st: PodState, sub = ''): string {
  const base = `/api/v1/namespaces/${st.input.namespace}/pods`
  return sub === '' ? base : `${base}/${st.input.name}${sub === '/' ? '' : `/${sub}`}`
}

function ref(st: PodState, subresource?: string, withName = true): Record<string, string> {
  return {
    resource: 'pods',
    namespace: st.input.namespace,
    ...(withName ? { name: st.input.name } : {}),
    apiVersion: 'v1',
    ...(subresource ? { subresource } : {}),
  }
}

const ADMISSION = { 'pod-security.kubernetes.io/enforce-policy': 'privileged:latest' }

/** `create pods` → 201 with the full Pod (uid, creationTimestamp) in the response. */
export function createPod(st: PodState, at: number): AuditEvent {
  const requestObject = createRequestBody(st)
  admit(st, at)
  return auditEvent({
    by: st.creator,
    verb: 'create',
    requestURI: podsUri(st),
    objectRef: ref(st, undefined, false),
    code: 201,
    at,
    latencyUs: 9_000,
    requestObject,
    responseObject: snapshot(st),
    annotations: ADMISSION,
  })
}

/** `create pods` rejected by admission (e.g. 403 `exceeded quota: …`): response is a Status. */
export function rejectCreate(st: PodState, at: number, code: number, message: string): AuditEvent {
  const reason = code === 403 ? 'Forbidden' : code === 422 ? 'Invalid' : 'InternalError'
  const failure = { message, reason, details: { name: st.input.name, kind: 'pods' } }
  return auditEvent({
    by: st.creator,
    verb: 'create',
    requestURI: podsUri(st),
    objectRef: ref(st, undefined, false),
    code,
    at,
    requestObject: createRequestBody(st),
    responseObject: {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      ...failure,
      code,
    },
    failure,
  })
}

/** The scheduler's `create pods/binding` → 201; the API server sets nodeName and PodScheduled. */
export function bindPod(st: PodState, at: number): AuditEvent {
  st.pod.spec.nodeName = st.node
  setCondition(st, at, 'PodScheduled', 'True')
  st.rv += 3
  return auditEvent({
    by: SCHEDULER,
    verb: 'create',
    requestURI: podsUri(st, 'binding'),
    objectRef: ref(st, 'binding'),
    code: 201,
    at,
    latencyUs: 3_500,
    requestObject: {
      kind: 'Binding',
      apiVersion: 'v1',
      metadata: {
        name: st.input.name,
        namespace: st.input.namespace,
        uid: st.uid,
        creationTimestamp: null,
      },
      target: { kind: 'Node', name: st.node },
    },
    responseObject: {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Success',
      code: 201,
    },
  })
}

/** The scheduler's `patch pods/status` after a failed attempt: PodScheduled=False Unschedulable. */
export function unschedulablePatch(st: PodState, at: number, message: string): AuditEvent {
  const entry = setCondition(st, at, 'PodScheduled', 'False', 'Unschedulable', message)
  return auditEvent({
    by: SCHEDULER,
    verb: 'patch',
    requestURI: podsUri(st, 'status'),
    objectRef: ref(st, 'status'),
    code: 200,
    at,
    requestObject: {
      status: { '$setElementOrder/conditions': [{ type: 'PodScheduled' }], conditions: [entry] },
    },
    responseObject: snapshot(st),
  })
}

/** A condition change in a kubelet status update. */
export interface ConditionChange {
  readonly type: string
  readonly status: 'True' | 'False' | 'Unknown'
  readonly reason?: string
  readonly message?: string
}

/** What one kubelet status sync changes. */
export interface StatusChange {
  readonly conditions?: readonly ConditionChange[]
  /** New container statuses by name (replacing the previous entry). */
  readonly containers?: Readonly<Record<string, Omit<FixtureContainerStatus, 'name'>>>
  readonly phase?: string
  /** Sets podIP/podIPs. */
  readonly podIP?: boolean
  /** The kubelet's first sync: hostIP and startTime. */
  readonly accept?: boolean
}

/**
 * The kubelet's `patch pods/status` (strategic merge): `metadata.uid` as a precondition,
 * `$setElementOrder/conditions`, the changed conditions (lastTransitionTime in seconds), the
 * whole container status list when one changed, phase/podIP/hostIP/startTime when they change.
 */
export function kubeletStatusPatch(st: PodState, at: number, change: StatusChange): AuditEvent {
  const status: Record<string, unknown> = {}
  const entries = (change.conditions ?? [])
    .map((c) => setCondition(st, at, c.type, c.status, c.reason, c.message))
    .filter((e) => e !== undefined)
  const s = st.pod.status
  if (entries.length > 0) {
    status['$setElementOrder/conditions'] = [...(s.conditions ?? [])]
      .sort((a, b) => CONDITION_ORDER.indexOf(a.type) - CONDITION_ORDER.indexOf(b.type))
      .map((c) => ({ type: c.type }))
    status.conditions = entries
  }
  if (change.containers) {
    const list = [...(s.containerStatuses ?? [])]
    for (const [name, cs] of Object.entries(change.containers)) {
      const i = list.findIndex((x) => x.name === name)
      if (i >= 0) list.splice(i, 1, { name, ...cs })
      else list.push({ name, ...cs })
    }
    list.sort((a, b) => a.name.localeCompare(b.name))
    s.containerStatuses = list
    status.containerStatuses = list
  }
  if (change.accept) {
    s.hostIP = st.nodeIP
    s.hostIPs = [{ ip: st.nodeIP }]
    s.startTime = sTime(at)
    Object.assign(status, { hostIP: s.hostIP, hostIPs: s.hostIPs, startTime: s.startTime })
  }
  if (change.phase && change.phase !== s.phase) {
    s.phase = change.phase
    status.phase = change.phase
  }
  if (change.podIP) {
    s.podIP = st.podIP
    s.podIPs = [{ ip: st.podIP }]
    Object.assign(status, { podIP: s.podIP, podIPs: s.podIPs })
  }
  return auditEvent({
    by: st.kubelet,
    verb: 'patch',
    requestURI: podsUri(st, 'status'),
    objectRef: ref(st, 'status'),
    code: 200,
    at,
    requestObject: { metadata: { uid: st.uid }, status },
    responseObject: snapshot(st),
  })
}

/**
 * `delete pods` → 200 with the Pod as the response. With `grace` > 0 (a controller or a user)
 * the pod gets `deletionTimestamp` = now + grace; the kubelet's final delete sends grace 0 and a
 * UID precondition. A pod never bound is deleted at once (grace 0).
 */
export function deletePod(st: PodState, at: number, by: Requester, grace: number): AuditEvent {
  const meta = st.pod.metadata
  if (!meta.deletionTimestamp) meta.deletionTimestamp = sTime(at + grace * 1_000_000)
  meta.deletionGracePeriodSeconds = grace
  const requestObject: Record<string, unknown> = {
    kind: 'DeleteOptions',
    apiVersion: 'meta.k8s.io/__internal',
  }
  if (by === st.kubelet) {
    requestObject.gracePeriodSeconds = 0
    requestObject.preconditions = { uid: st.uid }
  } else if (by.user.username === 'kubernetes-admin') {
    requestObject.propagationPolicy = 'Background'
  }
  return auditEvent({
    by,
    verb: 'delete',
    requestURI: podsUri(st, '/'),
    objectRef: ref(st),
    code: 200,
    at,
    requestObject,
    responseObject: snapshot(st),
  })
}

/** `create pods/eviction` (kubectl drain) → 201 Success; the API server starts a graceful delete. */
export function evictPod(st: PodState, at: number, by: Requester): AuditEvent {
  const event = auditEvent({
    by,
    verb: 'create',
    requestURI: podsUri(st, 'eviction'),
    objectRef: ref(st, 'eviction'),
    code: 201,
    at,
    requestObject: {
      kind: 'Eviction',
      apiVersion: 'policy/v1',
      metadata: { name: st.input.name, namespace: st.input.namespace, creationTimestamp: null },
      deleteOptions: {},
    },
    responseObject: {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Success',
      code: 201,
    },
  })
  st.pod.metadata.deletionTimestamp = sTime(at + 30_000_000)
  st.pod.metadata.deletionGracePeriodSeconds = 30
  return event
}

/** A controller's `patch pods` removing a finalizer (`$deleteFromPrimitiveList/finalizers`). */
export function removeFinalizer(
  st: PodState,
  at: number,
  by: Requester,
  finalizer: string,
): AuditEvent {
  const meta = st.pod.metadata
  meta.finalizers = (meta.finalizers ?? []).filter((f) => f !== finalizer)
  if (meta.finalizers.length === 0) delete meta.finalizers
  return auditEvent({
    by,
    verb: 'patch',
    requestURI: podsUri(st, '/'),
    objectRef: ref(st),
    code: 200,
    at,
    requestObject: { metadata: { '$deleteFromPrimitiveList/finalizers': [finalizer] } },
    responseObject: snapshot(st),
  })
}
