/**
 * Valid inputs of every shape the normalisers accept, written out by hand (tools/ never reads
 * test fixtures): the fuzz properties mutate them so hostile values reach past the first checks.
 */

const T0 = '2021-09-14T14:27:17Z'
const S0 = '2021-09-14T14:27:17.123456Z'

const container = {
  name: 'app',
  image: 'registry.example/app:1',
  lifecycle: { postStart: { exec: { command: ['true'] } } },
}

/** A full Pod as the API server returns it. */
export const POD = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name: 'web-0',
    namespace: 'shop',
    uid: '3f0c9a4e-8b1d-4c2e-9f61-2a7d5b8e1c04',
    resourceVersion: '1234',
    creationTimestamp: T0,
    deletionTimestamp: '2021-09-14T14:40:00Z',
    deletionGracePeriodSeconds: 30,
    labels: { app: 'web', 'app.kubernetes.io/name': 'web' },
    annotations: { 'kubernetes.io/config.hash': 'abc' },
    ownerReferences: [
      { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', controller: true },
    ],
    finalizers: ['example.com/guard'],
  },
  spec: {
    nodeName: 'worker-1',
    schedulerName: 'default-scheduler',
    restartPolicy: 'Always',
    containers: [container],
    initContainers: [{ name: 'init', image: 'busybox' }],
    volumes: [{ name: 'cfg', configMap: { name: 'cfg' } }],
    readinessGates: [{ conditionType: 'example.com/ready' }],
  },
  status: {
    phase: 'Running',
    podIP: '10.0.0.7',
    startTime: T0,
    conditions: [
      { type: 'PodScheduled', status: 'True', lastTransitionTime: T0 },
      {
        type: 'Ready',
        status: 'False',
        reason: 'ContainersNotReady',
        message: 'not ready',
        lastTransitionTime: T0,
      },
    ],
    initContainerStatuses: [
      {
        name: 'init',
        ready: true,
        restartCount: 0,
        state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: T0, finishedAt: T0 } },
      },
    ],
    containerStatuses: [
      {
        name: 'app',
        ready: false,
        restartCount: 2,
        state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 10s' } },
        lastState: { terminated: { exitCode: 137, reason: 'OOMKilled', finishedAt: T0 } },
      },
    ],
  },
}

/** A legacy core/v1 Event about a pod. */
export const CORE_EVENT = {
  apiVersion: 'v1',
  kind: 'Event',
  count: 3,
  firstTimestamp: T0,
  lastTimestamp: '2021-09-14T14:28:17Z',
  involvedObject: {
    kind: 'Pod',
    name: 'web-0',
    namespace: 'shop',
    uid: '3f0c9a4e-8b1d-4c2e-9f61-2a7d5b8e1c04',
    fieldPath: 'spec.containers{app}',
  },
  message: 'Readiness probe failed: HTTP probe failed with statuscode: 503 body: <html>',
  metadata: { name: 'web-0.16a', namespace: 'shop', uid: 'ev-1', creationTimestamp: T0 },
  reason: 'Unhealthy',
  source: { component: 'kubelet', host: 'worker-1' },
  type: 'Warning',
}

/** An events-API Event with a series (as the scheduler writes them). */
export const SERIES_EVENT = {
  ...CORE_EVENT,
  count: null,
  firstTimestamp: null,
  lastTimestamp: null,
  eventTime: S0,
  series: { count: 2, lastObservedTime: '2021-09-14T14:29:17.000001Z' },
  reason: 'FailedScheduling',
  message:
    "0/3 nodes are available: 1 node(s) had taint {node-role/master: }, that the pod didn't tolerate, 2 Insufficient cpu. preemption: 0/3 nodes are available.",
  reportingComponent: 'default-scheduler',
}

/** A native events.k8s.io/v1 Event. */
export const EVENTS_V1 = {
  apiVersion: 'events.k8s.io/v1',
  kind: 'Event',
  metadata: { name: 'web-0.2', namespace: 'shop', uid: 'ev-2' },
  regarding: { kind: 'Pod', name: 'web-0', namespace: 'shop', uid: 'u-1' },
  note: 'Failed to pull image "x": rpc error: code = Unknown desc = pull access denied, repository does not exist',
  reason: 'Failed',
  type: 'Warning',
  eventTime: S0,
  reportingController: 'kubelet',
  deprecatedCount: 1,
}

/** An owner's SuccessfulCreate Event. */
export const OWNER_EVENT = {
  ...CORE_EVENT,
  involvedObject: { kind: 'ReplicaSet', name: 'web-5d4', namespace: 'shop' },
  reason: 'SuccessfulCreate',
  message: 'Created pod: web-5d4-abcde',
  source: { component: 'replicaset-controller' },
}

const audit = (over: Record<string, unknown>) => ({
  kind: 'Event',
  apiVersion: 'audit.k8s.io/v1',
  level: 'RequestResponse',
  auditID: 'b2f1e0d4-1111-4c2e-9f61-2a7d5b8e1c04',
  stage: 'ResponseComplete',
  verb: 'create',
  user: { username: 'system:serviceaccount:kube-system:replicaset-controller' },
  requestReceivedTimestamp: '2021-09-14T14:27:17.000001Z',
  stageTimestamp: S0,
  responseStatus: { code: 201 },
  ...over,
})

/** Audit records of every resource and verb we act on. */
export const AUDIT_EVENTS = [
  audit({
    objectRef: { resource: 'pods', namespace: 'shop', name: 'web-0', apiVersion: 'v1' },
    requestObject: { ...POD, status: undefined },
    responseObject: POD,
  }),
  audit({
    responseStatus: { code: 409, reason: 'AlreadyExists', message: 'pods "web-0" already exists' },
    objectRef: { resource: 'pods', namespace: 'shop', name: 'web-0' },
    requestObject: { kind: 'Pod', metadata: { name: 'web-0', namespace: 'shop' } },
  }),
  audit({
    verb: 'patch',
    objectRef: { resource: 'pods', subresource: 'status', namespace: 'shop', name: 'web-0' },
    requestObject: { metadata: { uid: POD.metadata.uid }, status: POD.status },
    responseObject: POD,
    responseStatus: { code: 200 },
  }),
  audit({
    verb: 'patch',
    objectRef: { resource: 'pods', subresource: 'status', namespace: 'shop', name: 'web-0' },
    requestObject: [
      { op: 'replace', path: '/status/phase', value: 'Running' },
      { op: 'add', path: '/status/conditions/-', value: POD.status.conditions[0] },
    ],
    responseStatus: { code: 200 },
  }),
  audit({
    objectRef: { resource: 'pods', subresource: 'binding', namespace: 'shop', name: 'web-0' },
    requestObject: {
      kind: 'Binding',
      metadata: { name: 'web-0', uid: 'u-1' },
      target: { name: 'worker-1' },
    },
  }),
  audit({
    verb: 'delete',
    objectRef: { resource: 'pods', namespace: 'shop', name: 'web-0' },
    requestObject: { kind: 'DeleteOptions', gracePeriodSeconds: 30 },
    responseObject: POD,
    responseStatus: { code: 200 },
  }),
  audit({
    verb: 'patch',
    objectRef: { resource: 'pods', namespace: 'shop', name: 'web-0' },
    requestObject: { metadata: { '$deleteFromPrimitiveList/finalizers': ['example.com/guard'] } },
    responseObject: POD,
    responseStatus: { code: 200 },
  }),
  audit({
    objectRef: { resource: 'pods', subresource: 'eviction', namespace: 'shop', name: 'web-0' },
    requestObject: {
      kind: 'Eviction',
      metadata: { name: 'web-0' },
      deleteOptions: { preconditions: { uid: 'u-1' } },
    },
  }),
  audit({
    objectRef: { resource: 'events', namespace: 'shop', name: 'web-0.16a' },
    requestObject: CORE_EVENT,
    responseObject: CORE_EVENT,
  }),
  audit({
    verb: 'update',
    objectRef: {
      resource: 'events',
      apiGroup: 'events.k8s.io',
      namespace: 'shop',
      name: 'web-0.2',
    },
    responseObject: EVENTS_V1,
    responseStatus: { code: 200 },
  }),
]

/** A GKE Cloud Audit Logs entry for a status patch. */
export const GKE_ENTRY = {
  insertId: 'abc123',
  timestamp: S0,
  receiveTimestamp: S0,
  labels: { authorization: 'RBAC' },
  operation: { id: 'op-1' },
  protoPayload: {
    '@type': 'type.googleapis.com/google.cloud.audit.AuditLog',
    serviceName: 'k8s.io',
    methodName: 'io.k8s.core.v1.pods.status.patch',
    resourceName: 'core/v1/namespaces/shop/pods/web-0/status',
    authenticationInfo: { principalEmail: 'system:node:worker-1' },
    requestMetadata: { callerIp: '10.0.0.1' },
    request: { status: POD.status },
    response: POD,
    status: { code: 0 },
  },
}

/** The managed-cluster wrappers of a raw audit Event (EKS CloudWatch, AKS diagnostics). */
export const WRAPPED = [
  { message: JSON.stringify(AUDIT_EVENTS[0]), timestamp: 1631629637000 },
  { category: 'kube-audit', properties: { log: JSON.stringify(AUDIT_EVENTS[4]) } },
]

/** An SLO config using every key. */
export const SLO_CONFIG = {
  UserOnlineConfigMap: { shop: '5m' },
  IgnoredNamespaceForAudit: ['kube-system'],
  IgnoreDeleteReasonNamespace: ['batch'],
  PostStartHookTimeout: '30s',
  rules: [
    { match: { namespace: 'shop' }, create: '2m' },
    { match: { namespaceRegex: 'team-[a-z]+', labels: { tier: 'web' }, job: false }, delete: '1m' },
  ],
  defaults: { create: '480s', createJob: '90s', delete: '10m', giveUp: '35m' },
  budgets: { schedule: '30s', imagePull: '2m' },
  'x-note': 'extension keys pass',
}

/** A span config entry in the upstream format. */
export const SPAN_CONFIG = [
  {
    ObjectRef: { Resource: 'pods', Name: 'PodSpans', APIVersion: 'v1' },
    ActionType: 'PodCreate',
    LifeFlag: {
      Mode: 'start-finish',
      StartEvent: [{ Type: 'milestone', Name: 'created' }],
      FinishEvent: [{ Type: 'milestone', Name: 'ready' }],
    },
    ExtraProperties: {},
    Spans: [
      { Name: 'schedule', Type: 'schedule', SpanOwner: 'k8s', Mode: 'builtin' },
      {
        Name: 'pulling',
        Type: 'image',
        SpanOwner: 'k8s',
        Mode: 'start-finish',
        StartEvent: [{ Type: 'event', Reason: 'Pulling' }],
        FinishEvent: [{ Type: 'event', Reason: 'Pulled' }],
      },
    ],
  },
]
