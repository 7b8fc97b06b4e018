import {
  auditRecord,
  controllerOf,
  kubeletOf,
  managedFields,
  SCHEDULER,
  sTime,
  type TimedRecord,
  usTime,
  type Who,
} from './audit-records.ts'
import { uuid } from './rand.ts'

/** Who and where a simulated pod is. Times are epoch µs. */
export interface PodIdentity {
  readonly namespace: string
  readonly name: string
  readonly uid: string
  readonly owner: string
  readonly node: string
  readonly nodeIP: string
  readonly podIP: string
  readonly containers: readonly { name: string; image: string }[]
}

type Condition = { type: string; status: string; lastTransitionTime: string; reason?: string }

/**
 * One pod's server-side object as it evolves, and the audit records of the writes that evolve it
 * (the controller's create, the scheduler's binding and events, the kubelet's status patches and
 * events, deletes), shaped like `docs/AUDIT.md` describes.
 */
export class PodSim {
  readonly id: PodIdentity
  readonly out: TimedRecord[] = []
  readonly #rand: () => number
  readonly #kubelet: Who
  readonly #creator = controllerOf('replicaset-controller')
  #rv: number
  #pod: Record<string, unknown>
  #conditions: Condition[] = []
  #statuses: Record<string, unknown>[] = []
  #phase = 'Pending'
  readonly #managers: { manager: string; operation: string; at: number; sub?: string }[] = []

  constructor(id: PodIdentity, rand: () => number, rv: number) {
    this.id = id
    this.#rand = rand
    this.#rv = rv
    this.#kubelet = kubeletOf(id.node, id.nodeIP)
    this.#pod = {}
  }

  #uri(sub = ''): string {
    const base = `/api/v1/namespaces/${this.id.namespace}/pods`
    return sub === '' ? base : `${base}/${this.id.name}${sub === '/' ? '' : `/${sub}`}`
  }

  #ref(sub?: string, withName = true): Record<string, string> {
    return {
      resource: 'pods',
      namespace: this.id.namespace,
      ...(withName ? { name: this.id.name } : {}),
      apiVersion: 'v1',
      ...(sub ? { subresource: sub } : {}),
    }
  }

  #snapshot(): Record<string, unknown> {
    this.#rv += 1 + Math.floor(this.#rand() * 40)
    const meta = this.#pod.metadata as Record<string, unknown>
    meta.resourceVersion = String(this.#rv)
    meta.managedFields = managedFields(
      this.#managers,
      this.id.containers.map((c) => c.name),
    )
    this.#pod.status = {
      phase: this.#phase,
      conditions: this.#conditions.map((c) => ({ ...c, lastProbeTime: null })),
      ...(this.#statuses.length > 0 ? { containerStatuses: this.#statuses } : {}),
      qosClass: 'Burstable',
    }
    return structuredClone(this.#pod)
  }

  #setCondition(at: number, type: string, status: string, reason?: string): Condition {
    const c: Condition = {
      type,
      status,
      lastTransitionTime: sTime(at),
      ...(reason ? { reason } : {}),
    }
    const i = this.#conditions.findIndex((x) => x.type === type)
    if (i >= 0) this.#conditions[i] = c
    else this.#conditions.push(c)
    return c
  }

  /** The controller's `create pods` → 201 with the full Pod. */
  create(at: number): void {
    const { namespace, name, uid, owner, containers } = this.id
    const template = {
      metadata: {
        generateName: `${owner}-`,
        namespace,
        labels: { app: owner.replace(/-[0-9a-f]+$/, ''), 'pod-template-hash': owner.slice(-9) },
        ownerReferences: [
          {
            apiVersion: 'apps/v1',
            kind: 'ReplicaSet',
            name: owner,
            uid: uuid(this.#rand),
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      spec: {
        containers: containers.map((c) => ({
          name: c.name,
          image: c.image,
          ports: [{ containerPort: 8080, protocol: 'TCP' }],
          resources: {
            limits: { cpu: '500m', memory: '256Mi' },
            requests: { cpu: '100m', memory: '128Mi' },
          },
          readinessProbe: {
            httpGet: { path: '/healthz', port: 8080, scheme: 'HTTP' },
            periodSeconds: 5,
          },
          terminationMessagePath: '/dev/termination-log',
          terminationMessagePolicy: 'File',
          imagePullPolicy: 'IfNotPresent',
        })),
        restartPolicy: 'Always',
        terminationGracePeriodSeconds: 30,
        dnsPolicy: 'ClusterFirst',
        serviceAccountName: 'default',
        schedulerName: 'default-scheduler',
        securityContext: {},
        enableServiceLinks: true,
        tolerations: [
          {
            key: 'node.kubernetes.io/not-ready',
            operator: 'Exists',
            effect: 'NoExecute',
            tolerationSeconds: 300,
          },
          {
            key: 'node.kubernetes.io/unreachable',
            operator: 'Exists',
            effect: 'NoExecute',
            tolerationSeconds: 300,
          },
        ],
      },
    }
    this.#pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      ...structuredClone(template),
    }
    Object.assign(this.#pod.metadata as object, { name, uid, creationTimestamp: sTime(at) })
    this.#managers.push({ manager: 'kube-controller-manager', operation: 'Update', at })
    this.out.push(
      auditRecord({
        auditID: uuid(this.#rand),
        by: this.#creator,
        verb: 'create',
        uri: this.#uri(),
        ref: this.#ref(undefined, false),
        code: 201,
        at,
        requestObject: { kind: 'Pod', apiVersion: 'v1', ...template },
        responseObject: this.#snapshot(),
      }),
    )
  }

  /** The scheduler's events.k8s.io Event (`FailedScheduling`, `Scheduled`). */
  schedulerEvent(at: number, reason: string, note: string, type = 'Normal'): void {
    const body = {
      kind: 'Event',
      apiVersion: 'events.k8s.io/v1',
      metadata: {
        name: `${this.id.name}.${(at * 1000).toString(16)}`,
        namespace: this.id.namespace,
      },
      eventTime: usTime(at),
      reportingController: 'default-scheduler',
      reportingInstance: 'default-scheduler-cp-0',
      action: reason === 'Scheduled' ? 'Binding' : 'Scheduling',
      reason,
      regarding: {
        kind: 'Pod',
        namespace: this.id.namespace,
        name: this.id.name,
        uid: this.id.uid,
        apiVersion: 'v1',
      },
      note,
      type,
    }
    this.#eventRecord(at + 1_800, SCHEDULER, 'events.k8s.io', body)
  }

  /** A core/v1 Event from this pod's kubelet. */
  kubeletEvent(
    at: number,
    reason: string,
    message: string,
    container?: string,
    type = 'Normal',
  ): void {
    const body = {
      kind: 'Event',
      apiVersion: 'v1',
      metadata: {
        name: `${this.id.name}.${(at * 1000).toString(16)}`,
        namespace: this.id.namespace,
      },
      involvedObject: {
        kind: 'Pod',
        namespace: this.id.namespace,
        name: this.id.name,
        uid: this.id.uid,
        apiVersion: 'v1',
        ...(container ? { fieldPath: `spec.containers{${container}}` } : {}),
      },
      reason,
      message,
      source: { component: 'kubelet', host: this.id.node },
      firstTimestamp: sTime(at),
      lastTimestamp: sTime(at),
      count: 1,
      type,
      eventTime: null,
      reportingComponent: 'kubelet',
      reportingInstance: this.id.node,
    }
    this.#eventRecord(at + 2_500, this.#kubelet, '', body)
  }

  #eventRecord(at: number, by: Who, group: string, body: Record<string, unknown>): void {
    const root = group === '' ? '/api/v1' : `/apis/${group}/v1`
    const stored = structuredClone(body)
    Object.assign(stored.metadata as object, {
      uid: uuid(this.#rand),
      resourceVersion: String(this.#rv + 7),
      creationTimestamp: sTime(at),
    })
    this.out.push(
      auditRecord({
        auditID: uuid(this.#rand),
        by,
        verb: 'create',
        uri: `${root}/namespaces/${this.id.namespace}/events`,
        ref: {
          resource: 'events',
          namespace: this.id.namespace,
          ...(group ? { apiGroup: group } : {}),
          apiVersion: 'v1',
        },
        code: 201,
        at,
        requestObject: body,
        responseObject: stored,
      }),
    )
  }

  /** The scheduler's `patch pods/status`: PodScheduled=False Unschedulable. */
  unschedulable(at: number, message: string): void {
    const c = this.#setCondition(at, 'PodScheduled', 'False', 'Unschedulable')
    this.#statusPatch(at, SCHEDULER, { conditions: [{ ...c, message }] }, 'kube-scheduler')
  }

  /** The scheduler's `create pods/binding` → 201, with its Scheduled event. */
  bind(at: number): void {
    ;(this.#pod.spec as Record<string, unknown>).nodeName = this.id.node
    this.#setCondition(at, 'PodScheduled', 'True')
    this.out.push(
      auditRecord({
        auditID: uuid(this.#rand),
        by: SCHEDULER,
        verb: 'create',
        uri: this.#uri('binding'),
        ref: this.#ref('binding'),
        code: 201,
        at,
        requestObject: {
          kind: 'Binding',
          apiVersion: 'v1',
          metadata: {
            name: this.id.name,
            namespace: this.id.namespace,
            uid: this.id.uid,
            creationTimestamp: null,
          },
          target: { kind: 'Node', name: this.id.node },
        },
        responseObject: {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Success',
          code: 201,
        },
      }),
    )
    this.schedulerEvent(
      at + 1_000,
      'Scheduled',
      `Successfully assigned ${this.id.namespace}/${this.id.name} to ${this.id.node}`,
    )
  }

  /**
   * The kubelet's `patch pods/status`: the changed conditions and container statuses, phase,
   * podIP when it appears; `metadata.uid` as the precondition.
   */
  kubeletStatus(
    at: number,
    change: {
      conditions?: [string, string, string?][]
      containers?: Record<string, unknown>[]
      phase?: string
    },
  ): void {
    const conditions = (change.conditions ?? []).map(([t, s, r]) => this.#setCondition(at, t, s, r))
    const status: Record<string, unknown> = {}
    if (change.containers) {
      this.#statuses = change.containers
      status.containerStatuses = change.containers
    }
    if (change.phase && change.phase !== this.#phase) {
      this.#phase = change.phase
      status.phase = change.phase
      if (change.phase === 'Running')
        Object.assign(status, { podIP: this.id.podIP, podIPs: [{ ip: this.id.podIP }] })
    }
    if (conditions.length > 0) status.conditions = conditions
    this.#statusPatch(at, this.#kubelet, status, 'kubelet')
  }

  #statusPatch(at: number, by: Who, status: Record<string, unknown>, manager: string): void {
    if (Array.isArray(status.conditions)) {
      status['$setElementOrder/conditions'] = this.#conditions.map((c) => ({ type: c.type }))
    }
    if (!this.#managers.some((m) => m.manager === manager)) {
      this.#managers.push({ manager, operation: 'Update', at, sub: 'status' })
    }
    this.out.push(
      auditRecord({
        auditID: uuid(this.#rand),
        by,
        verb: 'patch',
        uri: this.#uri('status'),
        ref: this.#ref('status'),
        code: 200,
        at,
        requestObject: { metadata: { uid: this.id.uid }, status },
        responseObject: this.#snapshot(),
      }),
    )
  }

  /** `delete pods`: graceful by the controller (grace 30), then the kubelet's final delete. */
  delete(at: number, bound: boolean): void {
    const meta = this.#pod.metadata as Record<string, unknown>
    meta.deletionTimestamp = sTime(at + (bound ? 30e6 : 0))
    meta.deletionGracePeriodSeconds = bound ? 30 : 0
    const del = (t: number, by: Who, req: Record<string, unknown>) =>
      this.out.push(
        auditRecord({
          auditID: uuid(this.#rand),
          by,
          verb: 'delete',
          uri: this.#uri('/'),
          ref: this.#ref(),
          code: 200,
          at: t,
          requestObject: { kind: 'DeleteOptions', apiVersion: 'meta.k8s.io/__internal', ...req },
          responseObject: this.#snapshot(),
        }),
      )
    del(at, this.#creator, {})
    if (!bound) return
    meta.deletionGracePeriodSeconds = 0
    del(at + 1_200_000 + Math.floor(this.#rand() * 2e6), this.#kubelet, {
      gracePeriodSeconds: 0,
      preconditions: { uid: this.id.uid },
    })
  }
}
