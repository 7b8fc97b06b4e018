import {
  auditRecord,
  SCHEDULER,
  sTime,
  type TimedRecord,
  usTime,
  type Who,
} from './audit-records.ts'
import type { PodIdentity } from './pod-sim.ts'
import { uuid } from './rand.ts'

/** The `create events` audit record of `body` (core/v1 when `group` is empty). */
function eventRecord(
  id: PodIdentity,
  rand: () => number,
  rv: number,
  at: number,
  by: Who,
  group: string,
  body: Record<string, unknown>,
): TimedRecord {
  const root = group === '' ? '/api/v1' : `/apis/${group}/v1`
  const stored = structuredClone(body)
  Object.assign(stored.metadata as object, {
    uid: uuid(rand),
    resourceVersion: String(rv + 7),
    creationTimestamp: sTime(at),
  })
  return auditRecord({
    auditID: uuid(rand),
    by,
    verb: 'create',
    uri: `${root}/namespaces/${id.namespace}/events`,
    ref: {
      resource: 'events',
      namespace: id.namespace,
      ...(group ? { apiGroup: group } : {}),
      apiVersion: 'v1',
    },
    code: 201,
    at,
    requestObject: body,
    responseObject: stored,
  })
}

const eventName = (id: PodIdentity, at: number) =>
  `${id.name}.${Math.floor(at * 1000).toString(16)}`

/** The scheduler's events.k8s.io/v1 Event (`FailedScheduling`, `Scheduled`): µs `eventTime`. */
export function schedulerEvent(
  id: PodIdentity,
  rand: () => number,
  rv: number,
  at: number,
  reason: string,
  note: string,
  type: string,
): TimedRecord {
  const body = {
    kind: 'Event',
    apiVersion: 'events.k8s.io/v1',
    metadata: { name: eventName(id, at), namespace: id.namespace },
    eventTime: usTime(at),
    reportingController: 'default-scheduler',
    reportingInstance: 'default-scheduler-cp-0',
    action: reason === 'Scheduled' ? 'Binding' : 'Scheduling',
    reason,
    regarding: {
      kind: 'Pod',
      namespace: id.namespace,
      name: id.name,
      uid: id.uid,
      apiVersion: 'v1',
    },
    note,
    type,
  }
  return eventRecord(id, rand, rv, at + 1_800, SCHEDULER, 'events.k8s.io', body)
}

/** A core/v1 Event of the pod's kubelet: seconds-precision first/last timestamps, count 1. */
export function kubeletEvent(
  id: PodIdentity,
  rand: () => number,
  rv: number,
  kubelet: Who,
  at: number,
  e: { reason: string; message: string; container?: string | undefined; type: string },
): TimedRecord {
  const body = {
    kind: 'Event',
    apiVersion: 'v1',
    metadata: { name: eventName(id, at), namespace: id.namespace },
    involvedObject: {
      kind: 'Pod',
      namespace: id.namespace,
      name: id.name,
      uid: id.uid,
      apiVersion: 'v1',
      ...(e.container ? { fieldPath: `spec.containers{${e.container}}` } : {}),
    },
    reason: e.reason,
    message: e.message,
    source: { component: 'kubelet', host: id.node },
    firstTimestamp: sTime(at),
    lastTimestamp: sTime(at),
    count: 1,
    type: e.type,
    eventTime: null,
    reportingComponent: 'kubelet',
    reportingInstance: id.node,
  }
  return eventRecord(id, rand, rv, at + 2_500, kubelet, '', body)
}
