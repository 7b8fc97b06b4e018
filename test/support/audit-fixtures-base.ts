import { createHash } from 'node:crypto'
import type { AuditEvent } from '../../protocol/k8s-audit.ts'
import { formatTime, parseTime } from '../../protocol/time.ts'

/** A deterministic UUID (v4 layout) from a seed, so regenerated fixtures are byte-identical. */
export function uuidFrom(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex')
  const variant = ((Number.parseInt(h[16] ?? '0', 16) & 0x3) | 0x8).toString(16)
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`
}

/** Epoch µs of an RFC 3339 time (throws on a typo in a fixture). */
export function micros(iso: string): number {
  const t = parseTime(iso)
  if (!t) throw new Error(`fixture time does not parse: ${iso}`)
  return t.time
}

/** `t` plus `ms` milliseconds, in µs. */
export function plusMs(t: number, ms: number): number {
  return t + Math.round(ms * 1000)
}

/** Audit stage times: RFC 3339 with microseconds. */
export function usTime(t: number): string {
  return formatTime(t, 'us')
}

/** Object times (creationTimestamp, lastTransitionTime, startedAt, …): whole seconds, truncated. */
export function sTime(t: number): string {
  return formatTime(t, 's')
}

/** Kubernetes version the fixtures pretend to come from. */
export const K8S_VERSION = 'v1.30.2'
const BUILD = `${K8S_VERSION} (linux/amd64) kubernetes/3968350`

/** A requesting identity as the API server authenticates it, with its client's user agent. */
export interface Requester {
  readonly user: { username: string; uid?: string; groups: string[] }
  readonly userAgent: string
  readonly sourceIP: string
  /** The RBAC reason the authorizer records (`''` for the node authorizer). */
  readonly authzReason: string
}

const CONTROL_PLANE_IP = '172.18.0.2'

/** A kube-controller-manager controller's service account (`replicaset-controller`, `job-controller`, …). */
export function controller(name: string): Requester {
  return {
    user: {
      username: `system:serviceaccount:kube-system:${name}`,
      uid: uuidFrom(`sa:${name}`),
      groups: [
        'system:serviceaccounts',
        'system:serviceaccounts:kube-system',
        'system:authenticated',
      ],
    },
    userAgent: `kube-controller-manager/${BUILD}/system:serviceaccount:kube-system:${name}`,
    sourceIP: CONTROL_PLANE_IP,
    authzReason: `RBAC: allowed by ClusterRoleBinding "system:controller:${name}" of ClusterRole "system:controller:${name}" to ServiceAccount "${name}/kube-system"`,
  }
}

/** The default scheduler. */
export const SCHEDULER: Requester = {
  user: { username: 'system:kube-scheduler', groups: ['system:authenticated'] },
  userAgent: `kube-scheduler/${BUILD}/scheduler`,
  sourceIP: CONTROL_PLANE_IP,
  authzReason:
    'RBAC: allowed by ClusterRoleBinding "system:kube-scheduler" of ClusterRole "system:kube-scheduler" to User "system:kube-scheduler"',
}

/** The kubelet of a node. */
export function kubelet(node: string, nodeIP: string): Requester {
  return {
    user: { username: `system:node:${node}`, groups: ['system:nodes', 'system:authenticated'] },
    userAgent: `kubelet/${BUILD}`,
    sourceIP: nodeIP,
    authzReason: '',
  }
}

/** A human with kubectl (cluster admin). */
export const ADMIN: Requester = {
  user: {
    username: 'kubernetes-admin',
    groups: ['kubeadm:cluster-admins', 'system:authenticated'],
  },
  userAgent: `kubectl/${BUILD}`,
  sourceIP: '10.0.0.15',
  authzReason:
    'RBAC: allowed by ClusterRoleBinding "kubeadm:cluster-admins" of ClusterRole "cluster-admin" to Group "kubeadm:cluster-admins"',
}

/** What one audited request looks like before it is dressed as an audit Event. */
export interface RequestSpec {
  readonly by: Requester
  readonly verb: string
  readonly requestURI: string
  readonly objectRef: Record<string, string>
  /** HTTP status code of the response. */
  readonly code: number
  /** When the response completed (`stageTimestamp`), epoch µs. */
  readonly at: number
  /** Server-side latency in µs; `requestReceivedTimestamp` = `at` minus this. */
  readonly latencyUs?: number
  readonly requestObject?: unknown
  readonly responseObject?: unknown
  /** A failure Status (message, reason) for `responseStatus`. */
  readonly failure?: { message: string; reason: string; details?: Record<string, unknown> }
  readonly annotations?: Record<string, string>
}

/**
 * An `audit.k8s.io/v1` Event at level RequestResponse, stage ResponseComplete, as the log and
 * webhook backends write it (managedFields omitted by policy).
 */
export function auditEvent(spec: RequestSpec): AuditEvent {
  const latency = spec.latencyUs ?? 4_000 + (spec.at % 3_000)
  const responseStatus = spec.failure
    ? {
        metadata: {},
        status: 'Failure',
        message: spec.failure.message,
        reason: spec.failure.reason,
        ...(spec.failure.details ? { details: spec.failure.details } : {}),
        code: spec.code,
      }
    : { metadata: {}, code: spec.code }
  const event: Record<string, unknown> = {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'RequestResponse',
    auditID: uuidFrom(`${spec.verb} ${spec.requestURI} ${spec.at}`),
    stage: 'ResponseComplete',
    requestURI: spec.requestURI,
    verb: spec.verb,
    user: spec.by.user,
    sourceIPs: [spec.by.sourceIP],
    userAgent: spec.by.userAgent,
    objectRef: { ...spec.objectRef, apiVersion: spec.objectRef.apiVersion ?? 'v1' },
    responseStatus,
  }
  if (spec.requestObject !== undefined) event.requestObject = spec.requestObject
  if (spec.responseObject !== undefined) event.responseObject = spec.responseObject
  event.requestReceivedTimestamp = usTime(spec.at - latency)
  event.stageTimestamp = usTime(spec.at)
  event.annotations = {
    'authorization.k8s.io/decision': 'allow',
    'authorization.k8s.io/reason': spec.by.authzReason,
    ...spec.annotations,
  }
  return event as AuditEvent
}

/** Deep copy of a JSON value (fixture objects are mutated step by step). */
export function clone<T>(x: T): T {
  return structuredClone(x)
}

/** Sorts audit events as a log file holds them: by `stageTimestamp`. */
export function byStageTime(events: readonly AuditEvent[]): AuditEvent[] {
  return [...events].sort((a, b) => (a.stageTimestamp ?? '').localeCompare(b.stageTimestamp ?? ''))
}
