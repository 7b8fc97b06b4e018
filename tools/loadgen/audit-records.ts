import { formatTime } from '../../protocol/time.ts'

/** One audit record with its completion time (epoch µs) for ordering. */
export interface TimedRecord {
  readonly at: number
  readonly record: Record<string, unknown>
}

/** A requesting identity as the API server records it. */
export interface Who {
  readonly username: string
  readonly groups: readonly string[]
  readonly userAgent: string
  readonly ip: string
}

const BUILD = 'v1.31.4 (linux/amd64) kubernetes/a78aa47'
const CP_IP = '10.0.0.10'

/** A kube-controller-manager controller's service account. */
export function controllerOf(name: string): Who {
  const username = `system:serviceaccount:kube-system:${name}`
  return {
    username,
    groups: [
      'system:serviceaccounts',
      'system:serviceaccounts:kube-system',
      'system:authenticated',
    ],
    userAgent: `kube-controller-manager/${BUILD}/${username}`,
    ip: CP_IP,
  }
}

/** The default scheduler. */
export const SCHEDULER: Who = {
  username: 'system:kube-scheduler',
  groups: ['system:authenticated'],
  userAgent: `kube-scheduler/${BUILD}/scheduler`,
  ip: CP_IP,
}

/** The kubelet of a node. */
export function kubeletOf(node: string, ip: string): Who {
  return {
    username: `system:node:${node}`,
    groups: ['system:nodes', 'system:authenticated'],
    userAgent: `kubelet/${BUILD}`,
    ip,
  }
}

/** Object times (creationTimestamp, lastTransitionTime, …): whole seconds. */
export const sTime = (t: number): string => formatTime(Math.floor(t / 1e6) * 1e6, 's')
/** Audit stage times and eventTime: microseconds. */
export const usTime = (t: number): string => formatTime(Math.floor(t), 'us')

/** What one audited request is, before it is dressed as an audit Event. */
export interface Request {
  readonly auditID: string
  readonly by: Who
  readonly verb: string
  readonly uri: string
  readonly ref: Record<string, string>
  readonly code: number
  readonly at: number
  readonly level?: 'Metadata' | 'RequestResponse'
  readonly requestObject?: unknown
  readonly responseObject?: unknown
}

/** An `audit.k8s.io/v1` Event at stage ResponseComplete, as the log and webhook backends write it. */
export function auditRecord(req: Request): TimedRecord {
  const r = { ...req, at: Math.floor(req.at) }
  const latency = 1_500 + (r.at % 7_000)
  const record: Record<string, unknown> = {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: r.level ?? 'RequestResponse',
    auditID: r.auditID,
    stage: 'ResponseComplete',
    requestURI: r.uri,
    verb: r.verb,
    user: { username: r.by.username, groups: r.by.groups },
    sourceIPs: [r.by.ip],
    userAgent: r.by.userAgent,
    objectRef: r.ref,
    responseStatus: { metadata: {}, code: r.code },
  }
  if (r.requestObject !== undefined) record.requestObject = r.requestObject
  if (r.responseObject !== undefined) record.responseObject = r.responseObject
  record.requestReceivedTimestamp = usTime(r.at - latency)
  record.stageTimestamp = usTime(r.at)
  record.annotations = {
    'authorization.k8s.io/decision': 'allow',
    'authorization.k8s.io/reason': '',
  }
  return { at: r.at, record }
}

/**
 * `managedFields` as the API server keeps them (one entry per field manager): the bulk of a real
 * pod body, which is why our pods weigh 3–8 KB like real ones.
 */
export function managedFields(
  managers: readonly { manager: string; operation: string; at: number; sub?: string }[],
  containers: readonly string[],
): Record<string, unknown>[] {
  return managers.map((m) => {
    const fields: Record<string, unknown> =
      m.sub === 'status'
        ? {
            'f:status': {
              'f:conditions': Object.fromEntries(
                ['ContainersReady', 'Initialized', 'PodReadyToStartContainers', 'Ready'].map(
                  (c) => [
                    `k:{"type":"${c}"}`,
                    { '.': {}, 'f:lastProbeTime': {}, 'f:lastTransitionTime': {}, 'f:status': {} },
                  ],
                ),
              ),
              'f:containerStatuses': {},
              'f:hostIP': {},
              'f:hostIPs': {},
              'f:phase': {},
              'f:podIP': {},
              'f:podIPs': { '.': {}, 'k:{"ip":"x"}': { '.': {}, 'f:ip': {} } },
              'f:startTime': {},
            },
          }
        : {
            'f:metadata': {
              'f:generateName': {},
              'f:labels': { '.': {}, 'f:app': {}, 'f:pod-template-hash': {} },
              'f:ownerReferences': { '.': {}, 'k:{"uid":"x"}': {} },
            },
            'f:spec': {
              'f:containers': Object.fromEntries(
                containers.map((c) => [
                  `k:{"name":"${c}"}`,
                  {
                    '.': {},
                    'f:image': {},
                    'f:imagePullPolicy': {},
                    'f:name': {},
                    'f:ports': { '.': {}, 'k:{"containerPort":8080,"protocol":"TCP"}': {} },
                    'f:readinessProbe': { '.': {}, 'f:httpGet': {}, 'f:periodSeconds': {} },
                    'f:resources': { '.': {}, 'f:limits': {}, 'f:requests': {} },
                    'f:terminationMessagePath': {},
                    'f:terminationMessagePolicy': {},
                  },
                ]),
              ),
              'f:dnsPolicy': {},
              'f:enableServiceLinks': {},
              'f:restartPolicy': {},
              'f:schedulerName': {},
              'f:securityContext': {},
              'f:terminationGracePeriodSeconds': {},
            },
          }
    return {
      manager: m.manager,
      operation: m.operation,
      apiVersion: 'v1',
      time: sTime(m.at),
      fieldsType: 'FieldsV1',
      fieldsV1: fields,
      ...(m.sub ? { subresource: m.sub } : {}),
    }
  })
}
