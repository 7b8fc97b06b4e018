import {
  auditRecord,
  controllerOf,
  kubeletOf,
  managedFields,
  SCHEDULER,
  sTime,
  type TimedRecord,
  type Who,
} from './audit-records.ts'
import { kubeletEvent, schedulerEvent } from './pod-events.ts'
import { podTemplate } from './pod-template.ts'
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
    const { name, uid } = this.id
    const template = podTemplate(this.id, this.#rand)
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
    this.out.push(schedulerEvent(this.id, this.#rand, this.#rv, at, reason, note, type))
  }

  /** A core/v1 Event from this pod's kubelet. */
  kubeletEvent(
    at: number,
    reason: string,
    message: string,
    container?: string,
    type = 'Normal',
  ): void {
    this.out.push(
      kubeletEvent(this.id, this.#rand, this.#rv, this.#kubelet, at, {
        reason,
        message,
        container,
        type,
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
