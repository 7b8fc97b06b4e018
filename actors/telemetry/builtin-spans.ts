import type { Attributes } from '@opentelemetry/api'
import type { BuiltinSpan } from '../../config/span-config.ts'
import type { Precision } from '../../protocol/time.ts'
import {
  containersStarted,
  deleteMark,
  isPreassigned,
  regularContainers,
} from '../lifecycle/derived.ts'
import { type Mark, type PodState, widthOf } from '../lifecycle/pod-state.ts'
import { reportMilestones } from '../lifecycle/report.ts'
import {
  ATTR_CONTAINER_IMAGE_NAME,
  ATTR_K8S_CONTAINER_NAME,
  ATTR_LUNETTES_END_PRECISION,
  ATTR_LUNETTES_START_PRECISION,
} from './semconv.ts'
import type { PlannedTime, RawSpan } from './span-plan.ts'

/** The precision a bare epoch-µs time can claim (operations keep no precision of their own). */
export function precisionOf(t: number): Precision {
  if (t % 1_000_000 === 0) return 's'
  return t % 1000 === 0 ? 'ms' : 'us'
}

/**
 * A span from one mark to the next, as LIFECYCLE §3 measures phases: when a truncated end stands
 * for the same instant as a more precise start (it lies before it, within its truncation), the
 * phase took less than the truncation and the span is empty at the start; evidence out of order
 * beyond that gives no span.
 */
export function between(
  name: string,
  from: PlannedTime | undefined,
  to: PlannedTime | undefined,
  attributes: Attributes = {},
): RawSpan | null {
  if (!from || !to) return null
  let end = to
  if (to.t < from.t) {
    if (from.t >= to.t + widthOf({ t: to.t, p: to.p, s: 'event' })) return null
    end = { t: from.t, p: to.p }
  }
  return {
    name,
    start: { t: from.t, p: from.p },
    end: { t: end.t, p: end.p },
    attributes: {
      ...attributes,
      [ATTR_LUNETTES_START_PRECISION]: from.p,
      [ATTR_LUNETTES_END_PRECISION]: end.p,
    },
  }
}

function hasInit(state: PodState): boolean {
  if (state.facts.initContainers) return state.facts.initContainers.length > 0
  return Object.values(state.containers).some((c) => c.init)
}

function imagePulls(state: PodState, name: string): RawSpan[] {
  const out: RawSpan[] = []
  for (const [image, pull] of Object.entries(state.pulls).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const end = pull.end
    if (!end) continue
    const attrs: Attributes = { [ATTR_CONTAINER_IMAGE_NAME]: image }
    if (pull.present && !pull.start) attrs['lunettes.image.present'] = true
    if (pull.reportedMs !== undefined) attrs['lunettes.image.reported_ms'] = pull.reportedMs
    const start: PlannedTime | undefined =
      pull.start ??
      (pull.reportedMs === undefined
        ? { t: end.t, p: end.p }
        : { t: end.t - pull.reportedMs * 1000, p: end.p })
    const span = between(`${name}:${image}`, start, end, attrs)
    if (span) out.push(span)
  }
  return out
}

function containerStarts(state: PodState, name: string): RawSpan[] {
  const from = hasInit(state) ? state.ms.initialized : state.ms.sandboxReady
  const out: RawSpan[] = []
  for (const c of regularContainers(state)) {
    const image = state.facts.containers?.find((x) => x.name === c)?.image
    const attrs: Attributes = { [ATTR_K8S_CONTAINER_NAME]: c }
    if (image) attrs[ATTR_CONTAINER_IMAGE_NAME] = image
    const span = between(`${name}:${c}`, from, state.containers[c]?.started, attrs)
    if (span) out.push(span)
  }
  return out
}

/** When the containers had stopped after the delete request: the last termination seen since. */
function stoppedAt(state: PodState, from: Mark): PlannedTime | undefined {
  let last: number | undefined
  for (const [op, t] of Object.entries(state.ops)) {
    if (!/^container(Last)?State:[^:]+:terminated/.test(op) || t < from.t) continue
    if (last === undefined || t > last) last = t
  }
  if (last !== undefined) return { t: last, p: precisionOf(last) }
  return state.ms.deleted
}

function finalizers(state: PodState, name: string, from: Mark): RawSpan[] {
  const out: RawSpan[] = []
  for (const [op, t] of Object.entries(state.ops).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const m = /^finalizer:(.+):delete$/.exec(op)
    if (!m?.[1] || t < from.t) continue
    const span = between(
      `${name}:${m[1]}`,
      from,
      { t, p: precisionOf(t) },
      { 'k8s.pod.finalizer': m[1] },
    )
    if (span) out.push(span)
  }
  return out
}

/**
 * The spans of a builtin phase (LIFECYCLE §7), named `name` (`name:<instance>` for per-image,
 * per-container and per-finalizer spans), from the same milestones the report shows.
 */
export function builtinSpans(state: PodState, kind: BuiltinSpan, name: string): RawSpan[] {
  const ms = reportMilestones(state)
  const one = (span: RawSpan | null) => (span ? [span] : [])
  switch (kind) {
    case 'schedule':
      return isPreassigned(state) ? [] : one(between(name, ms.created, ms.scheduled))
    case 'node_setup':
      return one(between(name, isPreassigned(state) ? ms.created : ms.scheduled, ms.sandboxReady))
    case 'image_pull':
      return imagePulls(state, name)
    case 'init':
      return hasInit(state) ? one(between(name, ms.sandboxReady, ms.initialized)) : []
    case 'container_start':
      return containerStarts(state, name)
    case 'readiness':
      return one(between(name, containersStarted(state), ms.ready))
    case 'graceful_stop': {
      const from = deleteMark(state)
      return from ? one(between(name, from, stoppedAt(state, from))) : []
    }
    case 'finalizer': {
      const from = deleteMark(state)
      return from ? finalizers(state, name, from) : []
    }
  }
}
