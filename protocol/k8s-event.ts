import * as v from 'valibot'
import { FieldGuard } from './field-guard.ts'

const Str = v.nullish(v.string())
const Num = v.nullish(v.number())

/**
 * The object an Event is about (`involvedObject` of core/v1, `regarding` of events.k8s.io/v1).
 * Every field is optional: real Events exist with no `kind` (kube-system `bootstrap-success`).
 */
export const EventObjectRef = v.looseObject({
  apiVersion: Str,
  kind: Str,
  name: Str,
  namespace: Str,
  uid: Str,
  fieldPath: Str,
  resourceVersion: Str,
})
export type EventObjectRef = v.InferOutput<typeof EventObjectRef>

/**
 * `series` of an Event written through the events API: repeats of the same occurrence within
 * 6 minutes. `count` is how many repeats the writer had seen (see {@link eventOccurrences}), and
 * `lastObservedTime` (RFC 3339, µs) the time of the latest one.
 */
export const EventSeries = v.looseObject({ count: Num, lastObservedTime: Str })
export type EventSeries = v.InferOutput<typeof EventSeries>

/** `source` of a legacy core/v1 Event (`deprecatedSource` in events.k8s.io/v1). */
export const EventSource = v.looseObject({ component: Str, host: Str })
export type EventSource = v.InferOutput<typeof EventSource>

/** The Event object's own metadata; `uid` is stable across count/series bumps. */
export const EventMetadata = v.looseObject({
  uid: Str,
  name: Str,
  namespace: Str,
  resourceVersion: Str,
  creationTimestamp: Str,
})
export type EventMetadata = v.InferOutput<typeof EventMetadata>

/**
 * A core/v1 `Event`, loosely: unknown fields pass through, every field but `involvedObject` may
 * be missing or `null`. Legacy writers fill `count`/`firstTimestamp`/`lastTimestamp` (1 s) and
 * `source`; events-API writers fill `eventTime` (µs), `series`, `action` and `reportingComponent`.
 */
export const CoreEvent = v.looseObject({
  apiVersion: Str,
  kind: Str,
  metadata: v.nullish(EventMetadata),
  involvedObject: EventObjectRef,
  reason: Str,
  message: Str,
  type: Str,
  count: Num,
  firstTimestamp: Str,
  lastTimestamp: Str,
  eventTime: Str,
  series: v.nullish(EventSeries),
  source: v.nullish(EventSource),
  reportingComponent: Str,
  reportingInstance: Str,
  action: Str,
})
export type CoreEvent = v.InferOutput<typeof CoreEvent>

/** An events.k8s.io/v1 `Event`, loosely (same tolerance as {@link CoreEvent}). */
export const EventsV1Event = v.looseObject({
  apiVersion: Str,
  kind: Str,
  metadata: v.nullish(EventMetadata),
  regarding: EventObjectRef,
  note: Str,
  reason: Str,
  type: Str,
  eventTime: Str,
  series: v.nullish(EventSeries),
  reportingController: Str,
  reportingInstance: Str,
  action: Str,
  deprecatedCount: Num,
  deprecatedFirstTimestamp: Str,
  deprecatedLastTimestamp: Str,
  deprecatedSource: v.nullish(EventSource),
})
export type EventsV1Event = v.InferOutput<typeof EventsV1Event>

/**
 * Either encoding reduced to one shape. Strings are `''` when absent; timestamps stay RFC 3339
 * strings (`undefined` when absent or null) so callers parse them with their precision.
 */
export interface K8sEventView {
  /** `core` = core/v1 (`involvedObject`), `events` = events.k8s.io/v1 (`regarding`). */
  readonly style: 'core' | 'events'
  readonly metadata: EventMetadata
  readonly regarding: EventObjectRef
  readonly reason: string
  readonly type: string
  /** `message` (core/v1) or `note` (events.k8s.io/v1). */
  readonly message: string
  /** `source.component`, else `reportingComponent` / `reportingController`, else `''`. */
  readonly component: string
  readonly action: string
  readonly eventTime: string | undefined
  readonly firstTimestamp: string | undefined
  readonly lastTimestamp: string | undefined
  /** Legacy `count` / `deprecatedCount`, when set. */
  readonly count: number | undefined
  readonly series: EventSeries | undefined
}

/** Result of {@link readK8sEvent}: the view, or a message naming the first schema problem. */
export type K8sEventRead =
  | { readonly ok: true; readonly event: K8sEventView }
  | { readonly ok: false; readonly error: string }

const nonEmpty = (...values: (string | null | undefined)[]): string =>
  values.find((s): s is string => typeof s === 'string' && s !== '') ?? ''

const opt = (s: string | null | undefined): string | undefined =>
  typeof s === 'string' && s !== '' ? s : undefined

function typeName(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  return typeof value
}

function describe(issues: readonly v.BaseIssue<unknown>[]): string {
  const issue = issues[0]
  if (!issue) return 'invalid'
  const path = v.getDotPath(issue) ?? ''
  const got = typeName(issue.input)
  return `${path === '' ? '' : `${path}: `}expected ${issue.expected ?? 'valid value'}, got ${got}`
}

function guardedSeries(
  series: EventSeries | null | undefined,
  guard: FieldGuard,
): EventSeries | undefined {
  if (!series) return undefined
  return { ...series, count: guard.count(series.count) }
}

/**
 * Validates a core/v1 or events.k8s.io/v1 Event and reduces it to a {@link K8sEventView}.
 * The encoding is chosen by the presence of `involvedObject` (core) or `regarding` (events API).
 * Counts that are not finite non-negative integers are left out and counted on `guard`.
 */
export function readK8sEvent(input: unknown, guard: FieldGuard = new FieldGuard()): K8sEventRead {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, error: `k8s event: expected an object, got ${typeName(input)}` }
  }
  if ('regarding' in input && !('involvedObject' in input)) {
    const r = v.safeParse(EventsV1Event, input)
    if (!r.success) return { ok: false, error: `k8s event (events.k8s.io): ${describe(r.issues)}` }
    const e = r.output
    return {
      ok: true,
      event: {
        style: 'events',
        metadata: e.metadata ?? {},
        regarding: e.regarding,
        reason: nonEmpty(e.reason),
        type: nonEmpty(e.type),
        message: nonEmpty(e.note),
        component: nonEmpty(e.deprecatedSource?.component, e.reportingController),
        action: nonEmpty(e.action),
        eventTime: opt(e.eventTime),
        firstTimestamp: opt(e.deprecatedFirstTimestamp),
        lastTimestamp: opt(e.deprecatedLastTimestamp),
        count: guard.count(e.deprecatedCount),
        series: guardedSeries(e.series, guard),
      },
    }
  }
  if (!('involvedObject' in input)) {
    return { ok: false, error: 'k8s event: neither involvedObject nor regarding is present' }
  }
  const r = v.safeParse(CoreEvent, input)
  if (!r.success) return { ok: false, error: `k8s event: ${describe(r.issues)}` }
  const e = r.output
  return {
    ok: true,
    event: {
      style: 'core',
      metadata: e.metadata ?? {},
      regarding: e.involvedObject,
      reason: nonEmpty(e.reason),
      type: nonEmpty(e.type),
      message: nonEmpty(e.message),
      component: nonEmpty(e.source?.component, e.reportingComponent),
      action: nonEmpty(e.action),
      eventTime: opt(e.eventTime),
      firstTimestamp: opt(e.firstTimestamp),
      lastTimestamp: opt(e.lastTimestamp),
      count: guard.count(e.count),
      series: guardedSeries(e.series, guard),
    },
  }
}

/**
 * How many occurrences an Event stands for. With a `series`, `series.count + 1`: the real
 * OpenShift 4.8/4.9 data (client-go before kubernetes#112334, i.e. before 1.26 and the 1.24/1.25
 * backports) writes `series.count: 1` on the first repeat, so `1` means two occurrences. Writers
 * with the fix start at 2 and are over-counted by one; the numbers stay distinct and increasing,
 * which is what dedupe ids need. Without a series: the legacy `count` (at least 1).
 */
export function eventOccurrences(event: K8sEventView): number {
  if (event.series) return Math.max(1, Math.trunc(event.series.count ?? 1)) + 1
  return Math.max(1, Math.trunc(event.count ?? 1))
}
