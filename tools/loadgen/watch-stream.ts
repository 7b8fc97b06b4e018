import { formatTime } from '../../protocol/time.ts'
import { rng, uuid } from './rand.ts'

/**
 * A synthetic cluster recording for load and crash tests (the pods are made up; the object shapes
 * follow the real OpenShift data: core/v1 Events in both encodings and final-state Pods). Each pod
 * gets an owner "Created pod" event, Scheduled, Pulling/Pulled/Created/Started, and a Pod object
 * with its conditions; a share of pods is slow (late), stuck unschedulable then deleted (killed),
 * or never Ready (failed at give-up), so alerts and alarms happen too.
 */
export interface SyntheticOptions {
  pods: number
  /** Start of the recording, epoch µs. */
  start?: number
  /** Mean gap between pod creations, ms. */
  spacingMs?: number
  seed?: number
}

const S = 1_000_000
const sec = (t: number) => formatTime(Math.floor(t / S) * S, 's')
const us = (t: number) => formatTime(t, 'us')

/** JSON lines (Events then Pods, each line one object) for `pods` synthetic pods. */
export function syntheticCluster(opts: SyntheticOptions): string[] {
  const rand = rng(opts.seed ?? 7)
  const start = opts.start ?? Date.parse('2024-06-01T08:00:00Z') * 1000
  const spacing = (opts.spacingMs ?? 500) * 1000
  const events: string[] = []
  const pods: string[] = []
  let t = start
  for (let i = 0; i < opts.pods; i++) {
    t += Math.floor(spacing * (0.5 + rand()))
    const ns = `team-${i % 7}`
    const rs = `svc-${i % 13}-5d8f7c9b4`
    const name = `${rs}-${i.toString(36).padStart(5, '0')}`
    const uid = uuid(rand)
    const node = `worker-${i % 5}`
    const image = `registry.example/team-${i % 7}/svc-${i % 13}:1.${i % 4}`
    const kind = rand()
    const ev = (reason: string, at: number, message: string, opt: Record<string, unknown> = {}) => {
      const evUid = uuid(rand)
      events.push(
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'Event',
          count: 1,
          eventTime: null,
          firstTimestamp: sec(at),
          lastTimestamp: sec(at),
          involvedObject: { apiVersion: 'v1', kind: 'Pod', name, namespace: ns, uid },
          message,
          metadata: {
            name: `${name}.${evUid.slice(0, 16)}`,
            namespace: ns,
            uid: evUid,
            creationTimestamp: sec(at),
          },
          reason,
          source: { component: 'kubelet', host: node },
          type: 'Normal',
          ...opt,
        }),
      )
    }
    const owner = (reason: string, at: number, verb: string) => {
      const evUid = uuid(rand)
      events.push(
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'Event',
          count: 1,
          firstTimestamp: sec(at),
          lastTimestamp: sec(at),
          involvedObject: {
            apiVersion: 'apps/v1',
            kind: 'ReplicaSet',
            name: rs,
            namespace: ns,
            uid: `${uid.slice(0, 30)}rs`,
          },
          message: `${verb} pod: ${name}`,
          metadata: { name: `${rs}.${evUid.slice(0, 16)}`, namespace: ns, uid: evUid },
          reason,
          source: { component: 'replicaset-controller' },
          type: 'Normal',
        }),
      )
    }
    owner('SuccessfulCreate', t, 'Created')
    if (kind < 0.04) {
      // Unschedulable, then scaled away.
      const sched = { component: 'default-scheduler' }
      ev('FailedScheduling', t + 20_000, '0/5 nodes are available: 5 Insufficient cpu.', {
        eventTime: us(t + 20_000),
        firstTimestamp: null,
        lastTimestamp: null,
        source: {},
        reportingComponent: sched.component,
        type: 'Warning',
      })
      owner('SuccessfulDelete', t + 120 * S, 'Deleted')
      continue
    }
    const bind = t + Math.floor((0.05 + rand()) * S)
    const slow = kind > 0.95
    const stuck = kind > 0.92 && !slow
    const pullMs = slow ? 540_000 : Math.floor(rand() * 8000)
    ev('Scheduled', bind, `Successfully assigned ${ns}/${name} to ${node}`, {
      eventTime: us(bind),
      firstTimestamp: null,
      lastTimestamp: null,
      source: {},
      reportingComponent: 'default-scheduler',
      action: 'Binding',
    })
    const pullStart = bind + 2 * S
    const pulled = pullStart + pullMs * 1000
    const field = { fieldPath: 'spec.containers{app}' }
    ev('Pulling', pullStart, `Pulling image "${image}"`, {
      involvedObject: { apiVersion: 'v1', kind: 'Pod', name, namespace: ns, uid, ...field },
    })
    ev('Pulled', pulled, `Successfully pulled image "${image}" in ${(pullMs / 1000).toFixed(3)}s`, {
      involvedObject: { apiVersion: 'v1', kind: 'Pod', name, namespace: ns, uid, ...field },
    })
    const started = pulled + S
    ev('Started', started, 'Started container app', {
      involvedObject: { apiVersion: 'v1', kind: 'Pod', name, namespace: ns, uid, ...field },
    })
    const ready = started + 3 * S
    const cond = (type: string, status: string, at: number) => ({
      type,
      status,
      lastTransitionTime: sec(at),
      lastProbeTime: null,
    })
    pods.push(
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name,
          namespace: ns,
          uid,
          creationTimestamp: sec(t),
          labels: { app: `svc-${i % 13}` },
          ownerReferences: [
            {
              apiVersion: 'apps/v1',
              kind: 'ReplicaSet',
              name: rs,
              uid: `${uid.slice(0, 30)}rs`,
              controller: true,
            },
          ],
          resourceVersion: String(1000 + i),
        },
        spec: {
          containers: [{ name: 'app', image }],
          nodeName: node,
          restartPolicy: 'Always',
          schedulerName: 'default-scheduler',
          volumes: [{ name: 'token', projected: {} }],
        },
        status: {
          phase: 'Running',
          startTime: sec(bind + S),
          podIP: `10.128.${i % 250}.${(i >> 8) % 250}`,
          conditions: [
            cond('PodScheduled', 'True', bind),
            cond('Initialized', 'True', bind + S),
            cond('ContainersReady', stuck ? 'False' : 'True', ready),
            cond('Ready', stuck ? 'False' : 'True', ready),
          ],
          containerStatuses: [
            {
              name: 'app',
              image,
              ready: !stuck,
              restartCount: 0,
              started: true,
              state: { running: { startedAt: sec(started) } },
            },
          ],
        },
      }),
    )
  }
  return [...events, ...pods]
}
