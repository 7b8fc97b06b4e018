import { createHash } from 'node:crypto'

/**
 * Builders of `audit.k8s.io/v1` Events as the API server's log backend writes them (level
 * RequestResponse, stage ResponseComplete, managedFields omitted), for the sample cluster.
 * Deterministic: every id is derived from a seed string.
 */

/** A UUID (v4 layout) derived from `seed`. */
export function uuid(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex')
  const variant = ((Number.parseInt(h[16] ?? '0', 16) & 0x3) | 0x8).toString(16)
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`
}

/** RFC 3339 with microseconds (audit stage times, events.k8s.io eventTime). */
export function usTime(us: number): string {
  const ms = Math.floor(us / 1000)
  const frac = String(Math.floor(us) % 1_000_000).padStart(6, '0')
  return `${new Date(ms).toISOString().slice(0, 19)}.${frac}Z`
}

/** RFC 3339 in whole seconds (object timestamps: creationTimestamp, lastTransitionTime, …). */
export function sTime(us: number): string {
  return `${new Date(Math.floor(us / 1000)).toISOString().slice(0, 19)}Z`
}

const BUILD = 'v1.30.2 (linux/amd64) kubernetes/3968350'

/** Who made a request. */
export interface Who {
  user: { username: string; groups: string[] }
  userAgent: string
  ip: string
  reason: string
}

export function controllerSa(name: string): Who {
  return {
    user: {
      username: `system:serviceaccount:kube-system:${name}`,
      groups: [
        'system:serviceaccounts',
        'system:serviceaccounts:kube-system',
        'system:authenticated',
      ],
    },
    userAgent: `kube-controller-manager/${BUILD}/system:serviceaccount:kube-system:${name}`,
    ip: '10.0.0.2',
    reason: `RBAC: allowed by ClusterRoleBinding "system:controller:${name}" of ClusterRole "system:controller:${name}" to ServiceAccount "${name}/kube-system"`,
  }
}

export const SCHEDULER: Who = {
  user: { username: 'system:kube-scheduler', groups: ['system:authenticated'] },
  userAgent: `kube-scheduler/${BUILD}/scheduler`,
  ip: '10.0.0.2',
  reason:
    'RBAC: allowed by ClusterRoleBinding "system:kube-scheduler" of ClusterRole "system:kube-scheduler" to User "system:kube-scheduler"',
}

export const KUBECTL: Who = {
  user: { username: 'alice@example.com', groups: ['developers', 'system:authenticated'] },
  userAgent: `kubectl/${BUILD}`,
  ip: '10.0.9.15',
  reason: 'RBAC: allowed by RoleBinding "dev-edit" of ClusterRole "edit" to Group "developers"',
}

export function kubeletOf(node: string, ip: string): Who {
  return {
    user: { username: `system:node:${node}`, groups: ['system:nodes', 'system:authenticated'] },
    userAgent: `kubelet/${BUILD}`,
    ip,
    reason: '',
  }
}

/** One audited request. */
export interface Request {
  by: Who
  verb: 'create' | 'patch' | 'delete'
  uri: string
  ref: Record<string, string>
  code: number
  /** stageTimestamp, epoch µs. */
  at: number
  req?: unknown
  res?: unknown
  /** Audit level the policy logs this request at (default RequestResponse). */
  level?: 'Request' | 'RequestResponse'
}

/** The audit Event of one request. */
export function audit(r: Request): Record<string, unknown> {
  const latency = 1500 + (r.at % 4000)
  return {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: r.level ?? 'RequestResponse',
    auditID: uuid(`${r.verb} ${r.uri} ${r.at}`),
    stage: 'ResponseComplete',
    requestURI: r.uri,
    verb: r.verb,
    user: r.by.user,
    sourceIPs: [r.by.ip],
    userAgent: r.by.userAgent,
    objectRef: { ...r.ref, apiVersion: r.ref.apiVersion ?? 'v1' },
    responseStatus: { metadata: {}, code: r.code },
    ...(r.req === undefined ? {} : { requestObject: r.req }),
    ...(r.res === undefined || r.level === 'Request' ? {} : { responseObject: r.res }),
    requestReceivedTimestamp: usTime(r.at - latency),
    stageTimestamp: usTime(r.at),
    annotations: {
      'authorization.k8s.io/decision': 'allow',
      'authorization.k8s.io/reason': r.by.reason,
    },
  }
}
