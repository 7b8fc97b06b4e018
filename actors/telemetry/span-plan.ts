import type { Attributes, HrTime } from '@opentelemetry/api'
import { createTraceId } from '../../protocol/pod-report.ts'
import type { Precision } from '../../protocol/time.ts'
import { sha256Hex } from './sha256.ts'

/** The lifecycle actions that get a trace (LIFECYCLE §7). */
export type TraceAction = 'PodCreate' | 'PodDelete'

/** A point in time as planned: epoch µs and how precise the input was. */
export interface PlannedTime {
  readonly t: number
  readonly p: Precision
}

/** A span event: a Kubernetes Event or a failure, at its own time. */
export interface PlannedEvent {
  name: string
  time: PlannedTime
  attributes: Attributes
}

/** One span, as pure data: ids are fixed by the plan, times are epoch µs. */
export interface PlannedSpan {
  name: string
  /** The span's name without its instance (the config rule's Name; the action for the root). */
  rule: string
  /** 16 lowercase hex digits. */
  spanId: string
  /** The parent's span id; null for the root. */
  parentSpanId: string | null
  start: PlannedTime
  end: PlannedTime
  attributes: Attributes
  events: PlannedEvent[]
  status: { code: 'unset' | 'ok' | 'error'; message?: string }
}

/** A whole trace, root span first. Emitting it twice yields the same ids. */
export interface SpanPlan {
  action: TraceAction
  /** 32 lowercase hex digits. */
  traceId: string
  spans: PlannedSpan[]
  /** The `extra` label of the span duration metric: NeedMetric properties as `name=value,…`. */
  extra?: string
}

/**
 * Trace id of a pod's action: PodCreate = the UID without dashes (as the report's `traceId`),
 * other actions = the first 16 bytes of sha256(`<uid>:<action>`).
 */
export function traceIdOf(uid: string, action: TraceAction): string {
  if (action === 'PodCreate') return createTraceId(uid)
  return sha256Hex(`${uid}:${action}`).slice(0, 32)
}

/**
 * Span id of the `index`-th span named `name` in a pod's action: 8 bytes of
 * sha256(`<uid>:<action>:<name>:<index>`), so a re-emission repeats it. Never all zeros (invalid).
 */
export function spanIdOf(uid: string, action: TraceAction, name: string, index: number): string {
  const id = sha256Hex(`${uid}:${action}:${name}:${index}`).slice(0, 16)
  return id === '0000000000000000' ? '0000000000000001' : id
}

/** Epoch µs → OTel HrTime `[seconds, nanoseconds]`, exact to the microsecond. */
export function toHrTime(micros: number): HrTime {
  const seconds = Math.floor(micros / 1_000_000)
  return [seconds, (micros - seconds * 1_000_000) * 1000]
}

/** A child span before it gets ids: its name (with the instance), times and attributes. */
export interface RawSpan {
  name: string
  start: PlannedTime
  end: PlannedTime
  attributes: Attributes
}
