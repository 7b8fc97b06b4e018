import {
  type Attributes,
  ROOT_CONTEXT,
  type Span,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api'
import { currentSpanConfig } from '../../config/live-config.ts'
import type { SloConfig } from '../../config/slo-config.ts'
import { mergeSpanConfig, type SpanConfig, type SpanEntry } from '../../config/span-config.ts'
import type { ReportDiagnosis } from '../../protocol/pod-report.ts'
import { granularity } from '../../protocol/time.ts'
import { deleteMark, deliveryEnd, readinessUnobservable } from '../lifecycle/derived.ts'
import type { Mark, PodState } from '../lifecycle/pod-state.ts'
import { createClock, deleteClock } from '../lifecycle/slo.ts'
import { builtinSpans, precisionOf } from './builtin-spans.ts'
import type { PlannedIds } from './planned-ids.ts'
import {
  ATTR_LUNETTES_DIAGNOSIS_CODE,
  ATTR_LUNETTES_END_PRECISION,
  ATTR_LUNETTES_SLO_RESULT,
  ATTR_LUNETTES_SLO_THRESHOLD_MS,
  ATTR_LUNETTES_SPAN_OWNER,
  ATTR_LUNETTES_SPAN_TYPE,
  ATTR_LUNETTES_START_PRECISION,
} from './semconv.ts'
import {
  extraAttributes,
  failureEvents,
  identityAttributes,
  kubeEvents,
  metricExtra,
  podAttributes,
} from './span-attributes.ts'
import { configSpans, hitsOf } from './span-matchers.ts'
import {
  type PlannedSpan,
  type PlannedTime,
  type RawSpan,
  type SpanPlan,
  spanIdOf,
  type TraceAction,
  toHrTime,
  traceIdOf,
} from './span-plan.ts'

/** What {@link buildTrace} needs besides the state. */
export interface BuildTraceOptions {
  config: SloConfig
  /** The diagnosis of the verdict (its code goes on the root span and in an ERROR status). */
  diagnosis: ReportDiagnosis | null
  clusterName?: string
  /** A span config laid over the default one (same Name replaces, else adds). */
  spanConfig?: SpanConfig
}

const at = (t: number): PlannedTime => ({ t, p: precisionOf(t) })
const plain = (m: Mark): PlannedTime => ({ t: m.t, p: m.p })

function earliest(...marks: (Mark | null | undefined)[]): Mark | undefined {
  let best: Mark | undefined
  for (const m of marks) if (m && (!best || m.t < best.t)) best = m
  return best
}

/** The root span's window: created → the instant that settled the verdict (LIFECYCLE §5). */
function createWindow(state: PodState, config: SloConfig) {
  const cf = state.createFailure
  const created = state.ms.created
  if (cf) return { start: created ? plain(created) : at(cf.t), end: at(cf.t) }
  if (!created) return null
  if (state.slo.create.by === 'give-up') {
    const { giveUp } = createClock(state, config)
    return { start: plain(created), end: giveUp === null ? plain(created) : at(giveUp) }
  }
  const del = readinessUnobservable(state) ? undefined : deleteMark(state)
  const end = earliest(deliveryEnd(state), state.ms.failed, state.evicted, del) ?? created
  return { start: plain(created), end: plain(end) }
}

/** The root span's window: delete requested → object gone (or the give-up time). */
function deleteWindow(state: PodState, config: SloConfig) {
  const from = deleteMark(state)
  if (!from) return null
  const deleted = state.ms.deleted
  if (state.slo.delete?.result === 'timeout' || !deleted) {
    const { giveUp } = deleteClock(state, config)
    return { start: plain(from), end: giveUp === null ? plain(from) : at(giveUp) }
  }
  return { start: plain(from), end: plain(deleted) }
}

const merged = new WeakMap<SpanConfig, SpanConfig>()
const DEFAULT_MERGED = mergeSpanConfig([])

function entryFor(spanConfig: SpanConfig | undefined, action: TraceAction): SpanEntry | undefined {
  let config = DEFAULT_MERGED
  if (spanConfig) {
    const now = currentSpanConfig(spanConfig) // a reloadable view: cache by what it holds now
    config = merged.get(now) ?? mergeSpanConfig(now)
    merged.set(now, config)
  }
  return config.find((e) => e.action === action)
}

/**
 * Plans the trace of a finished lifecycle action (LIFECYCLE §7) as pure data: root span = the
 * action, from `created` (PodCreate) or the delete request (PodDelete) to the verdict; children =
 * the measured phases and the config's spans (those starting after the verdict are left out);
 * span events = the pod's Kubernetes Events and failures in the window; status ERROR with the
 * diagnosis code unless the verdict is `success`. Times keep microseconds; ids are deterministic.
 * Returns a plan without spans when the action has no known start.
 */
export function buildTrace(
  state: PodState,
  action: TraceAction,
  opts: BuildTraceOptions,
): SpanPlan {
  const traceId = traceIdOf(state.uid, action)
  const window =
    action === 'PodCreate' ? createWindow(state, opts.config) : deleteWindow(state, opts.config)
  if (!window) return { action, traceId, spans: [] }
  const { start } = window
  const entry = entryFor(opts.spanConfig, action)
  const end = window.end.t < start.t ? start : window.end
  // LifeFlag: tracking ends at the first FinishEvent (any of several); nothing after it is traced.
  const finish = entry?.life ? hitsOf(state, entry.life.finish)[0] : undefined
  const lifeEnd = finish ? finish.time.t + granularity(finish.time.p) : Number.POSITIVE_INFINITY
  const until = Math.min(end.t + granularity(end.p), Math.max(lifeEnd, start.t + 1))
  const since = action === 'PodCreate' ? Number.NEGATIVE_INFINITY : start.t
  const inWindow = (t: PlannedTime) => t.t + granularity(t.p) > since && t.t < until
  const slo = action === 'PodCreate' ? state.slo.create : state.slo.delete
  const result = slo?.result ?? 'pending'
  const clock =
    action === 'PodCreate' ? createClock(state, opts.config) : deleteClock(state, opts.config)
  const code = opts.diagnosis?.code ?? null
  const rootAttrs: Attributes = {
    ...podAttributes(state, opts.clusterName),
    ...extraAttributes(state, entry?.extras ?? []),
    [ATTR_LUNETTES_SLO_RESULT]: result,
    [ATTR_LUNETTES_SLO_THRESHOLD_MS]: slo?.thresholdMs ?? clock.thresholdMs,
    [ATTR_LUNETTES_START_PRECISION]: start.p,
    [ATTR_LUNETTES_END_PRECISION]: end.p,
  }
  if (code !== null) rootAttrs[ATTR_LUNETTES_DIAGNOSIS_CODE] = code
  const events = [...kubeEvents(state), ...failureEvents(state)]
    .filter((e) => inWindow(e.time))
    .sort((a, b) => a.time.t - b.time.t || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  const rootId = spanIdOf(state.uid, action, action, 0)
  const root: PlannedSpan = {
    name: action,
    rule: action,
    spanId: rootId,
    parentSpanId: null,
    start,
    end,
    attributes: rootAttrs,
    events,
    status:
      result === 'success'
        ? { code: 'ok' }
        : { code: 'error', message: code ?? `${action} ${result}` },
  }
  const seen = new Map<string, number>()
  const children: PlannedSpan[] = []
  for (const rule of entry?.spans ?? []) {
    const raws: RawSpan[] = rule.builtin
      ? builtinSpans(state, rule.builtin, rule.name)
      : configSpans(state, rule, end)
    for (const raw of raws) {
      if (raw.start.t >= until) continue
      const index = seen.get(raw.name) ?? 0
      seen.set(raw.name, index + 1)
      children.push({
        name: raw.name,
        rule: rule.name,
        spanId: spanIdOf(state.uid, action, raw.name, index),
        parentSpanId: rootId,
        start: raw.start,
        end: raw.end,
        attributes: {
          ...identityAttributes(state),
          [ATTR_LUNETTES_SPAN_TYPE]: rule.builtin ? 'builtin' : rule.type,
          [ATTR_LUNETTES_SPAN_OWNER]: rule.owner,
          ...raw.attributes,
        },
        events: [],
        status: { code: 'unset' },
      })
    }
  }
  children.sort((a, b) => a.start.t - b.start.t || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  const extra = metricExtra(state, entry?.extras ?? [])
  return { action, traceId, spans: [root, ...children], extra }
}

const STATUS = { unset: SpanStatusCode.UNSET, ok: SpanStatusCode.OK, error: SpanStatusCode.ERROR }

/**
 * Emits a plan through a tracer whose provider draws ids from `ids` (see `PlannedIds`): each span
 * is started with its planned ids, explicit start time and parent, gets its events and status,
 * and is ended at its planned end. Returns how many spans did not get their planned ids (0 when
 * the provider uses `ids`).
 */
export function emitTrace(tracer: Tracer, ids: PlannedIds, plan: SpanPlan): number {
  const started = new Map<string, Span>()
  let mismatched = 0
  for (const planned of plan.spans) {
    const parent = planned.parentSpanId === null ? undefined : started.get(planned.parentSpanId)
    const ctx = parent ? trace.setSpan(ROOT_CONTEXT, parent) : ROOT_CONTEXT
    ids.next(plan.traceId, planned.spanId)
    let span: Span
    try {
      span = tracer.startSpan(
        planned.name,
        { startTime: toHrTime(planned.start.t), attributes: planned.attributes, root: !parent },
        ctx,
      )
    } finally {
      ids.clear()
    }
    const sc = span.spanContext()
    if (sc.traceId !== plan.traceId || sc.spanId !== planned.spanId) mismatched++
    for (const ev of planned.events) span.addEvent(ev.name, ev.attributes, toHrTime(ev.time.t))
    const status = planned.status
    if (status.code !== 'unset') {
      span.setStatus({
        code: STATUS[status.code],
        ...(status.message === undefined ? {} : { message: status.message }),
      })
    }
    started.set(planned.spanId, span)
  }
  // Children end first, so an exporter batching by end time sees the tree complete.
  for (const planned of [...plan.spans].reverse()) {
    started.get(planned.spanId)?.end(toHrTime(planned.end.t))
  }
  return mismatched
}
