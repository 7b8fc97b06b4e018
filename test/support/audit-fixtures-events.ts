import type { AuditEvent } from '../../protocol/k8s-audit.ts'
import { auditEvent, clone, SCHEDULER, sTime, usTime, uuidFrom } from './audit-fixtures-base.ts'
import type { PodState } from './audit-fixtures-pod.ts'

/** A Kubernetes Event a fixture emitted, kept so later count/series bumps can patch it. */
export interface FixtureEvent {
  readonly api: 'core' | 'events.k8s.io'
  readonly st: PodState
  body: Record<string, unknown>
  rv: number
}

/** The name client-go gives an Event: `<object>.<hex unix nanos>`. */
function eventName(podName: string, at: number): string {
  return `${podName}.${(BigInt(at) * 1000n).toString(16)}`
}

function involved(st: PodState): Record<string, unknown> {
  return {
    kind: 'Pod',
    namespace: st.input.namespace,
    name: st.input.name,
    uid: st.uid,
    apiVersion: 'v1',
    resourceVersion: st.pod.metadata.resourceVersion,
  }
}

function stored(body: Record<string, unknown>, at: number, rv: number): Record<string, unknown> {
  const out = clone(body)
  const meta = out.metadata as Record<string, unknown>
  meta.uid = uuidFrom(`event:${String(meta.namespace)}/${String(meta.name)}`)
  meta.resourceVersion = String(rv)
  meta.creationTimestamp = sTime(at)
  return out
}

function eventsUri(ev: FixtureEvent, name?: string): string {
  const ns = ev.st.input.namespace
  const root = ev.api === 'core' ? '/api/v1' : '/apis/events.k8s.io/v1'
  return `${root}/namespaces/${ns}/events${name ? `/${name}` : ''}`
}

function eventsRef(ev: FixtureEvent, name?: string): Record<string, string> {
  return {
    resource: 'events',
    namespace: ev.st.input.namespace,
    ...(name ? { name } : {}),
    ...(ev.api === 'core' ? {} : { apiGroup: 'events.k8s.io' }),
    apiVersion: 'v1',
  }
}

function createEvent(ev: FixtureEvent, at: number, by = ev.st.kubelet): AuditEvent {
  const requestObject = clone(ev.body)
  ev.rv = ev.st.rv + 11
  ev.body = stored(ev.body, at, ev.rv)
  return auditEvent({
    by,
    verb: 'create',
    requestURI: eventsUri(ev),
    objectRef: eventsRef(ev),
    code: 201,
    at: at + 2_500,
    requestObject,
    responseObject: clone(ev.body),
  })
}

/** Options of a kubelet Event. */
export interface KubeletEventInput {
  readonly reason: string
  readonly message: string
  readonly type?: 'Normal' | 'Warning'
  /** Container the event is about (`fieldPath: spec.containers{<name>}`). */
  readonly container?: string
}

/**
 * The kubelet's core/v1 Event (`create events`), as its recorder writes it: `involvedObject`
 * with the pod UID, `source.component` kubelet, `firstTimestamp`/`lastTimestamp` in seconds,
 * `count` 1. The audit record lands a few ms after `at` (the recorder is asynchronous).
 */
export function kubeletEvent(
  st: PodState,
  at: number,
  input: KubeletEventInput,
): { audit: AuditEvent; event: FixtureEvent } {
  const obj = involved(st)
  if (input.container) obj.fieldPath = `spec.containers{${input.container}}`
  const event: FixtureEvent = {
    api: 'core',
    st,
    rv: 0,
    body: {
      kind: 'Event',
      apiVersion: 'v1',
      metadata: {
        name: eventName(st.input.name, at),
        namespace: st.input.namespace,
        creationTimestamp: null,
      },
      involvedObject: obj,
      reason: input.reason,
      message: input.message,
      source: { component: 'kubelet', host: st.node },
      firstTimestamp: sTime(at),
      lastTimestamp: sTime(at),
      count: 1,
      type: input.type ?? 'Normal',
      eventTime: null,
      reportingComponent: 'kubelet',
      reportingInstance: st.node,
    },
  }
  return { audit: createEvent(event, at), event }
}

/** A repeat of a core/v1 Event: `patch events/<name>` with `count`, `lastTimestamp`, `message`. */
export function bumpKubeletEvent(ev: FixtureEvent, at: number, message?: string): AuditEvent {
  const count = Number(ev.body.count) + 1
  const patch: Record<string, unknown> = { count, lastTimestamp: sTime(at) }
  if (message !== undefined) patch.message = message
  Object.assign(ev.body, patch)
  ev.rv += 17
  ;(ev.body.metadata as Record<string, unknown>).resourceVersion = String(ev.rv)
  const name = String((ev.body.metadata as Record<string, unknown>).name)
  return auditEvent({
    by: ev.st.kubelet,
    verb: 'patch',
    requestURI: eventsUri(ev, name),
    objectRef: eventsRef(ev, name),
    code: 200,
    at: at + 2_000,
    requestObject: patch,
    responseObject: clone(ev.body),
  })
}

/**
 * The scheduler's events.k8s.io/v1 Event (`FailedScheduling`, `Scheduled`): `regarding`,
 * `note`, `eventTime` with µs, `reportingController` default-scheduler, `action`.
 */
export function schedulerEvent(
  st: PodState,
  at: number,
  reason: 'FailedScheduling' | 'Scheduled',
  note: string,
): { audit: AuditEvent; event: FixtureEvent } {
  const event: FixtureEvent = {
    api: 'events.k8s.io',
    st,
    rv: 0,
    body: {
      kind: 'Event',
      apiVersion: 'events.k8s.io/v1',
      metadata: {
        name: eventName(st.input.name, at),
        namespace: st.input.namespace,
        creationTimestamp: null,
      },
      eventTime: usTime(at),
      reportingController: 'default-scheduler',
      reportingInstance: 'default-scheduler-control-plane',
      action: reason === 'Scheduled' ? 'Binding' : 'Scheduling',
      reason,
      regarding: involved(st),
      note,
      type: reason === 'Scheduled' ? 'Normal' : 'Warning',
    },
  }
  return { audit: createEvent(event, at, SCHEDULER), event }
}

/** A repeat of an events.k8s.io Event: `patch` with `series: {count, lastObservedTime}`. */
export function bumpSchedulerEvent(ev: FixtureEvent, at: number): AuditEvent {
  const old = ev.body.series as { count: number } | undefined
  const series = { count: (old?.count ?? 1) + 1, lastObservedTime: usTime(at) }
  ev.body.series = series
  ev.rv += 23
  ;(ev.body.metadata as Record<string, unknown>).resourceVersion = String(ev.rv)
  const name = String((ev.body.metadata as Record<string, unknown>).name)
  return auditEvent({
    by: SCHEDULER,
    verb: 'patch',
    requestURI: eventsUri(ev, name),
    objectRef: eventsRef(ev, name),
    code: 200,
    at: at + 1_800,
    requestObject: { series },
    responseObject: clone(ev.body),
  })
}
