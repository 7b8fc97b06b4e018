import { audit, controllerSa, KUBECTL, kubeletOf, SCHEDULER, sTime, usTime, uuid } from './audit.ts'
import { type Cond, kubeletEventLine, podObject } from './pod-objects.ts'

/** One pod of the sample cluster and the audit log lines its life produced. */
export interface PodStory {
  readonly ns: string
  readonly name: string
  readonly uid: string
  readonly lines: Record<string, unknown>[]
}

/**
 * A pod's life written step by step as the API server audits it: the ReplicaSet controller's
 * create, the scheduler's events and binding, the kubelet's status patches and events, deletes.
 */
export function podStory(ns: string, rs: string, suffix: string, image: string) {
  const name = `${rs}-${suffix}`
  const uid = uuid(`pod ${ns}/${name}`)
  const lines: Record<string, unknown>[] = []
  const conditions: Cond[] = []
  let node: string | null = null
  let nodeIP = ''
  let phase = 'Pending'
  let container: Record<string, unknown> = {
    name: 'app',
    image,
    ready: false,
    restartCount: 0,
    started: false,
    state: { waiting: { reason: 'ContainerCreating' } },
  }
  let created = ''
  let startTime: string | undefined
  let deletion: Record<string, unknown> = {}
  const base = `/api/v1/namespaces/${ns}/pods/${name}`
  const podRef = { resource: 'pods', namespace: ns, name }

  const pod = () =>
    podObject({
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
      rv: lines.length,
    })

  const setCond = (t: number, type: string, status: string, extra: Partial<Cond> = {}) => {
    const old = conditions.findIndex((c) => c.type === type)
    const c: Cond = { type, status, lastTransitionTime: sTime(t), ...extra }
    if (old >= 0) conditions[old] = c
    else conditions.push(c)
    return c
  }

  const kubelet = () => kubeletOf(node ?? 'unknown', nodeIP)

  // The sample's policy logs pods/status and events at level Request (bodies as sent, no
  // response object), as clusters that keep the audit log small do; pod creates and deletes
  // are logged at RequestResponse.
  const statusPatch = (t: number, changed: Cond[], status: Record<string, unknown> = {}) => {
    lines.push(
      audit({
        level: 'Request',
        by: node ? kubelet() : SCHEDULER,
        verb: 'patch',
        uri: `${base}/status`,
        ref: { ...podRef, subresource: 'status' },
        code: 200,
        at: t,
        req: {
          metadata: { uid },
          status: {
            $setElementOrder: { conditions: conditions.map((c) => ({ type: c.type })) },
            ...(changed.length ? { conditions: changed } : {}),
            ...status,
          },
        },
        res: pod(),
      }),
    )
  }

  const kubeletEvent = (
    t: number,
    reason: string,
    message: string,
    type = 'Normal',
    count = 1,
    first = t,
  ) => {
    const pod = { ns, name, uid, node: node ?? 'unknown', nodeIP }
    lines.push(kubeletEventLine(pod, { t, reason, message, type, count, first }))
  }

  return {
    story: (): PodStory => ({ ns, name, uid, lines }),
    create(t: number) {
      created = sTime(t)
      const by = controllerSa('replicaset-controller')
      lines.push(
        audit({
          by,
          verb: 'create',
          uri: `/api/v1/namespaces/${ns}/pods`,
          ref: { resource: 'pods', namespace: ns },
          code: 201,
          at: t,
          res: pod(),
        }),
      )
    },
    failedScheduling(t: number, note: string, count: number, first: number) {
      const evName = `${name}.${(first * 1000).toString(16).slice(-12)}`
      lines.push(
        audit({
          by: SCHEDULER,
          verb: count > 1 ? 'patch' : 'create',
          uri: `/apis/events.k8s.io/v1/namespaces/${ns}/events${count > 1 ? `/${evName}` : ''}`,
          ref: {
            resource: 'events',
            namespace: ns,
            name: evName,
            apiGroup: 'events.k8s.io',
            apiVersion: 'v1',
          },
          code: count > 1 ? 200 : 201,
          at: t,
          req: {
            kind: 'Event',
            apiVersion: 'events.k8s.io/v1',
            metadata: { name: evName, namespace: ns },
            eventTime: usTime(first),
            ...(count > 1 ? { series: { count, lastObservedTime: usTime(t) } } : {}),
            reportingController: 'default-scheduler',
            reportingInstance: 'default-scheduler-control-plane',
            action: 'Scheduling',
            reason: 'FailedScheduling',
            regarding: { kind: 'Pod', namespace: ns, name, uid, apiVersion: 'v1' },
            note,
            type: 'Warning',
          },
        }),
      )
      if (count === 1)
        statusPatch(t, [
          setCond(t, 'PodScheduled', 'False', { reason: 'Unschedulable', message: note }),
        ])
    },
    bind(t: number, to: string, ip: string) {
      lines.push(
        audit({
          by: SCHEDULER,
          verb: 'create',
          uri: `${base}/binding`,
          ref: { ...podRef, subresource: 'binding' },
          code: 201,
          at: t,
          req: {
            kind: 'Binding',
            apiVersion: 'v1',
            metadata: { name, namespace: ns, uid },
            target: { kind: 'Node', name: to },
          },
          res: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 },
        }),
      )
      node = to
      nodeIP = ip
      setCond(t, 'PodScheduled', 'True')
    },
    accepted(t: number) {
      startTime = sTime(t)
      const changed = [
        setCond(t, 'Initialized', 'True'),
        setCond(t, 'Ready', 'False', {
          reason: 'ContainersNotReady',
          message: 'containers with unready status: [app]',
        }),
        setCond(t, 'ContainersReady', 'False', {
          reason: 'ContainersNotReady',
          message: 'containers with unready status: [app]',
        }),
        setCond(t, 'PodScheduled', 'True'),
      ]
      statusPatch(t, changed, { hostIP: nodeIP, startTime, containerStatuses: [container] })
    },
    event: kubeletEvent,
    pulled(t: number, seconds: number) {
      kubeletEvent(t - seconds * 1e6, 'Pulling', `Pulling image "${image}"`)
      kubeletEvent(
        t,
        'Pulled',
        `Successfully pulled image "${image}" in ${seconds.toFixed(3)}s (${seconds.toFixed(3)}s including waiting). Image size: 48213954 bytes.`,
      )
    },
    started(t: number, restarts = 0) {
      kubeletEvent(t + 40_000, 'Started', 'Started container app')
      phase = 'Running'
      container = {
        ...container,
        started: true,
        restartCount: restarts,
        state: { running: { startedAt: sTime(t) } },
      }
      statusPatch(t + 300_000, [], {
        phase,
        containerStatuses: [container],
        podIP: `10.244.0.${lines.length % 250}`,
      })
    },
    ready(t: number) {
      container = { ...container, ready: true }
      statusPatch(t, [setCond(t, 'ContainersReady', 'True'), setCond(t, 'Ready', 'True')], {
        containerStatuses: [container],
      })
    },
    crashed(t: number, restarts: number) {
      container = {
        ...container,
        ready: false,
        started: false,
        restartCount: restarts,
        state: {
          waiting: {
            reason: 'CrashLoopBackOff',
            message: `back-off ${Math.min(300, 10 * 2 ** restarts)}s restarting failed container=app pod=${name}_${ns}(${uid})`,
          },
        },
        lastState: {
          terminated: {
            exitCode: 1,
            reason: 'Error',
            startedAt: sTime(t - 3e6),
            finishedAt: sTime(t),
          },
        },
      }
      statusPatch(t, [], { containerStatuses: [container] })
    },
    pullFailing(t: number) {
      container = {
        ...container,
        state: {
          waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}"` },
        },
      }
      statusPatch(t, [], { containerStatuses: [container] })
    },
    delete(t: number, byUser: boolean) {
      deletion = { deletionTimestamp: sTime(t + 30e6), deletionGracePeriodSeconds: 30 }
      const by = byUser ? KUBECTL : controllerSa('replicaset-controller')
      lines.push(
        audit({
          by,
          verb: 'delete',
          uri: base,
          ref: podRef,
          code: 200,
          at: t,
          req: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' },
          res: pod(),
        }),
      )
    },
    deleted(t: number) {
      deletion = { deletionTimestamp: sTime(t), deletionGracePeriodSeconds: 0 }
      phase = phase === 'Running' ? 'Succeeded' : phase
      lines.push(
        audit({
          by: node ? kubelet() : controllerSa('replicaset-controller'),
          verb: 'delete',
          uri: base,
          ref: podRef,
          code: 200,
          at: t,
          req: {
            kind: 'DeleteOptions',
            apiVersion: 'v1',
            gracePeriodSeconds: 0,
            preconditions: { uid },
          },
          res: pod(),
        }),
      )
    },
  }
}
