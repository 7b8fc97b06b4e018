import {
  clone,
  controller,
  kubelet,
  micros,
  type Requester,
  sTime,
  uuidFrom,
} from './audit-fixtures-base.ts'

/** A pod condition as the API returns it. */
export interface FixtureCondition {
  type: string
  status: 'True' | 'False' | 'Unknown'
  lastProbeTime: null
  lastTransitionTime: string
  reason?: string
  message?: string
}

/** A container status as the API returns it. */
export interface FixtureContainerStatus {
  name: string
  image: string
  imageID: string
  containerID?: string
  lastState: Record<string, unknown>
  ready: boolean
  restartCount: number
  started?: boolean
  state: Record<string, unknown>
}

/** The Pod fields the fixtures fill in (a realistic core/v1 Pod, managedFields omitted). */
export interface FixturePod {
  apiVersion: 'v1'
  kind: 'Pod'
  metadata: {
    name: string
    generateName?: string
    namespace: string
    uid: string
    resourceVersion: string
    creationTimestamp: string
    deletionTimestamp?: string
    deletionGracePeriodSeconds?: number
    labels: Record<string, string>
    annotations?: Record<string, string>
    ownerReferences?: Record<string, unknown>[]
    finalizers?: string[]
  }
  spec: Record<string, unknown> & { nodeName?: string; containers: Record<string, unknown>[] }
  status: {
    phase: string
    conditions?: FixtureCondition[]
    containerStatuses?: FixtureContainerStatus[]
    hostIP?: string
    hostIPs?: { ip: string }[]
    podIP?: string
    podIPs?: { ip: string }[]
    startTime?: string
    qosClass: string
  }
}

/** Who and what a fixture pod is. Times are epoch µs. */
export interface PodInput {
  readonly namespace: string
  readonly name: string
  readonly uid?: string
  /** The node it lands on (also when never bound: the node it would have used). */
  readonly node?: string
  readonly nodeIP?: string
  readonly podIP?: string
  /** Creation time: epoch µs, or RFC 3339 (`2024-05-14T09:00:00.120731Z`). */
  readonly createdAt: number | string
  readonly owner?: { kind: string; name: string; apiVersion?: string }
  /** The creating identity; default: the owner's controller (`replicaset-controller`, …). */
  readonly creator?: Requester
  readonly containers?: readonly { name: string; image: string }[]
  readonly labels?: Readonly<Record<string, string>>
  readonly restartPolicy?: 'Always' | 'OnFailure' | 'Never'
  readonly finalizers?: readonly string[]
}

/** A fixture pod's evolving server-side state; builders mutate it and copy it into responses. */
export interface PodState {
  readonly input: PodInput
  /** `input.createdAt` in epoch µs. */
  readonly t0: number
  readonly uid: string
  readonly node: string
  readonly nodeIP: string
  readonly podIP: string
  readonly creator: Requester
  readonly kubelet: Requester
  pod: FixturePod
  rv: number
}

const CONTROLLER_OF: Readonly<Record<string, string>> = {
  ReplicaSet: 'replicaset-controller',
  Job: 'job-controller',
  StatefulSet: 'statefulset-controller',
  DaemonSet: 'daemon-set-controller',
}

function hash10(seed: string): string {
  return uuidFrom(seed).replaceAll('-', '').slice(0, 10)
}

/** The request body a controller sends: the template, without uid/status/nodeName. */
function podTemplate(input: PodInput): FixturePod {
  const containers = input.containers ?? [{ name: 'app', image: 'nginx:1.25.3' }]
  const owner = input.owner
  const generateName = owner ? `${input.name.slice(0, input.name.lastIndexOf('-') + 1)}` : undefined
  const labels = { ...(input.labels ?? { app: input.name.split('-')[0] ?? 'app' }) }
  if (owner?.kind === 'ReplicaSet') labels['pod-template-hash'] = owner.name.split('-').pop() ?? ''
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: input.name,
      ...(generateName ? { generateName } : {}),
      namespace: input.namespace,
      uid: '',
      resourceVersion: '',
      creationTimestamp: '',
      labels,
      ...(owner
        ? {
            ownerReferences: [
              {
                apiVersion: owner.apiVersion ?? (owner.kind === 'Job' ? 'batch/v1' : 'apps/v1'),
                kind: owner.kind,
                name: owner.name,
                uid: uuidFrom(`owner:${input.namespace}/${owner.kind}/${owner.name}`),
                controller: true,
                blockOwnerDeletion: true,
              },
            ],
          }
        : {}),
      ...(input.finalizers ? { finalizers: [...input.finalizers] } : {}),
    },
    spec: {
      containers: containers.map((c) => ({
        name: c.name,
        image: c.image,
        imagePullPolicy: 'IfNotPresent',
        ports: [{ containerPort: 8080, protocol: 'TCP' }],
        resources: { requests: { cpu: '100m', memory: '128Mi' } },
        terminationMessagePath: '/dev/termination-log',
        terminationMessagePolicy: 'File',
      })),
      dnsPolicy: 'ClusterFirst',
      enableServiceLinks: true,
      restartPolicy: input.restartPolicy ?? 'Always',
      schedulerName: 'default-scheduler',
      securityContext: {},
      terminationGracePeriodSeconds: 30,
    },
    status: { phase: 'Pending', qosClass: 'Burstable' },
  }
}

/** Starts a fixture pod (nothing has happened yet). */
export function newPod(input: PodInput): PodState {
  const node = input.node ?? 'worker-1'
  const nodeIP = input.nodeIP ?? `10.0.1.${(hash10(node).charCodeAt(0) % 200) + 10}`
  const uid = input.uid ?? uuidFrom(`pod:${input.namespace}/${input.name}`)
  const ownerController = CONTROLLER_OF[input.owner?.kind ?? ''] ?? 'replicaset-controller'
  return {
    input,
    t0: typeof input.createdAt === 'number' ? input.createdAt : micros(input.createdAt),
    uid,
    node,
    nodeIP,
    podIP:
      input.podIP ??
      `10.244.${(hash10(uid).charCodeAt(1) % 50) + 1}.${(hash10(uid).charCodeAt(2) % 200) + 2}`,
    creator: input.creator ?? controller(ownerController),
    kubelet: kubelet(node, nodeIP),
    pod: podTemplate(input),
    rv: 1000 + (Number.parseInt(hash10(uid).slice(0, 4), 16) % 5000),
  }
}

/** The request body of the create (what the controller sent). */
export function createRequestBody(st: PodState): Record<string, unknown> {
  const body = clone(st.pod) as unknown as Record<string, unknown>
  const meta = body.metadata as Record<string, unknown>
  meta.creationTimestamp = null
  delete meta.uid
  delete meta.resourceVersion
  if (meta.generateName) delete meta.name
  body.status = {}
  return body
}

/** Fills in what the API server adds on create: uid, creationTimestamp, token volume, defaults. */
export function admit(st: PodState, at: number): void {
  const p = st.pod
  p.metadata.uid = st.uid
  p.metadata.creationTimestamp = sTime(at)
  const token = `kube-api-access-${hash10(st.uid).slice(0, 5)}`
  p.spec.volumes = [
    {
      name: token,
      projected: {
        defaultMode: 420,
        sources: [
          { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
          { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
          {
            downwardAPI: {
              items: [
                {
                  fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' },
                  path: 'namespace',
                },
              ],
            },
          },
        ],
      },
    },
  ]
  for (const c of p.spec.containers) {
    c.volumeMounts = [
      { mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', name: token, readOnly: true },
    ]
  }
  Object.assign(p.spec, {
    preemptionPolicy: 'PreemptLowerPriority',
    priority: 0,
    serviceAccount: 'default',
    serviceAccountName: 'default',
    tolerations: [
      {
        effect: 'NoExecute',
        key: 'node.kubernetes.io/not-ready',
        operator: 'Exists',
        tolerationSeconds: 300,
      },
      {
        effect: 'NoExecute',
        key: 'node.kubernetes.io/unreachable',
        operator: 'Exists',
        tolerationSeconds: 300,
      },
    ],
  })
}

/** Bumps the resourceVersion and returns a copy of the pod as a response body. */
export function snapshot(st: PodState): FixturePod {
  st.rv += 1 + (st.rv % 7)
  st.pod.metadata.resourceVersion = String(st.rv)
  return clone(st.pod)
}
