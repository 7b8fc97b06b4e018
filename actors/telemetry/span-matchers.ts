import type { Attributes } from '@opentelemetry/api'
import type { Re2Match } from '../../config/re2.ts'
import { capturedDurationMs, type SpanMatcher, type SpanRule } from '../../config/span-config.ts'
import type { MilestoneName } from '../../protocol/pod-report.ts'
import { granularity } from '../../protocol/time.ts'
import type { PodState } from '../lifecycle/pod-state.ts'
import { reportMilestones } from '../lifecycle/report.ts'
import { between, precisionOf } from './builtin-spans.ts'
import { nameRefValues } from './span-name-ref.ts'
import type { PlannedTime, RawSpan } from './span-plan.ts'

/** One place a matcher matched: when, which instance (a regex capture), a reported duration. */
export interface Hit {
  time: PlannedTime
  key: string | null
  durationMs: number | null
}

function capture(m: Re2Match): string | null {
  return m.named.key ?? m.groups[1] ?? null
}

/**
 * Upstream files some operations under a family key with the full strings as its values
 * (`finalizer:delete` → `finalizer:f:delete`, `containerState:set` → `containerState:c:Running`);
 * a matcher's `Operation` may name either.
 */
export function operationFamily(op: string): string | null {
  const meta = /^(finalizer|label|annotation):.+:(add|delete)$/.exec(op)
  if (meta) return `${meta[1]}:${meta[2]}`
  const c = /^(containerState|containerLastState|containerReady|containerRestartCount):/.exec(op)
  return c ? `${c[1]}:set` : null
}

function opHits(state: PodState, m: SpanMatcher): Hit[] {
  const out: Hit[] = []
  for (const [op, t] of Object.entries(state.ops)) {
    if (m.exact !== null && op !== m.exact && operationFamily(op) !== m.exact) continue
    let key: string | null = null
    if (m.regex) {
      // Ours: an OperationRegex capture names the instance too (when no NameRex does).
      const found = m.regex.exec(op)
      if (!found) continue
      key = capture(found)
    }
    if (m.name) {
      const found = m.name.exec(op)
      if (!found) continue
      key = capture(found)
    }
    out.push({ time: { t, p: precisionOf(t) }, key, durationMs: null })
  }
  return out
}

function eventHits(state: PodState, m: SpanMatcher): Hit[] {
  const out: Hit[] = []
  for (const ev of state.events) {
    if (m.exact !== null && ev.reason !== m.exact) continue
    if (m.regex && !m.regex.test(ev.reason)) continue
    if (m.component !== null && ev.component !== m.component) continue
    let key: string | null = null
    if (m.name) {
      const found = m.name.exec(ev.message)
      if (!found) continue
      key = capture(found)
    }
    let durationMs: number | null = null
    if (m.duration) {
      const d = m.duration.exec(ev.message)?.groups[1]
      durationMs = d === undefined || d === null ? null : capturedDurationMs(d.trim())
    }
    out.push({ time: { t: ev.first, p: ev.firstP }, key, durationMs })
  }
  return out
}

/** Every place a matcher matches in the pod's operations, Events or milestones. */
export function matcherHits(state: PodState, m: SpanMatcher): Hit[] {
  if (m.type === 'operation') return opHits(state, m)
  if (m.type === 'event') return eventHits(state, m)
  const mark = m.exact === null ? undefined : reportMilestones(state)[m.exact as MilestoneName]
  return mark ? [{ time: { t: mark.t, p: mark.p }, key: null, durationMs: null }] : []
}

/** All hits of the matchers, by time (then instance). */
export function hitsOf(state: PodState, matchers: readonly SpanMatcher[]): Hit[] {
  return matchers
    .flatMap((m) => matcherHits(state, m))
    .sort((a, b) => a.time.t - b.time.t || (a.key ?? '').localeCompare(b.key ?? ''))
}

const endOf = (h: Hit) => h.time.t + granularity(h.time.p)

function startOf(end: Hit): PlannedTime | undefined {
  if (end.durationMs === null) return undefined
  return { t: end.time.t - Math.round(end.durationMs * 1000), p: end.time.p }
}

/** The instances of a rule: its NameRef values, else the captured names, else one unnamed. */
function instancesOf(state: PodState, rule: SpanRule, hits: Hit[]): (string | null)[] {
  const refs = rule.nameRef ? nameRefValues(state, rule.nameRef) : []
  if (refs.length > 0) return refs
  const keys = [...new Set(hits.map((h) => h.key).filter((k) => k !== null))].sort()
  return keys.length > 0 ? keys : [null]
}

/** start-finish, upstream's rule: the earliest end; the latest start not after it. */
function startFinish(starts: Hit[], ends: Hit[], close: PlannedTime | undefined) {
  const e = ends[0]
  if (!e) {
    const s = starts.at(-1)
    return s && close ? { from: s.time, to: close } : null
  }
  const s = starts.filter((h) => h.time.t < endOf(e)).at(-1)
  if (s) return { from: s.time, to: e.time }
  const from = startOf(e)
  if (from) return { from, to: e.time }
  // Every start came after the first end (a restart): pair the first start with the end after it.
  const first = starts[0]
  const after = first ? ends.find((h) => endOf(h) > first.time.t) : undefined
  if (first && after) return { from: first.time, to: after.time }
  return first && close ? { from: first.time, to: close } : null
}

/** direct-info, upstream's rule: each hit spans [time − its duration, time]; the union of them. */
function directInfo(hits: Hit[]) {
  let from: PlannedTime | undefined
  let to: PlannedTime | undefined
  for (const h of hits) {
    const begin = startOf(h) ?? h.time
    if (!from || begin.t < from.t) from = begin
    if (!to || h.time.t > to.t) to = h.time
  }
  return from && to ? { from, to } : null
}

/**
 * The spans one config rule describes on this pod, with upstream's semantics:
 * - `start-finish`: from the latest start hit to the earliest end hit after it; without a start
 *   hit, an end hit whose DurationRex gave a duration starts that long before it; with
 *   `NeedClose`, a started span without an end ends at `close` (the end of the action).
 * - `direct-info`: each hit of DirectEvent (or EndEvent) spans [time − captured duration, time];
 *   the span is their union.
 * - `NameRef` fans the rule out into one span per value (named `<Type or Name>:<value>`); a hit
 *   with a NameRex capture counts only for the instance it names, one without for all. Without a
 *   NameRef, the captures themselves fan the rule out.
 */
export function configSpans(state: PodState, rule: SpanRule, close?: PlannedTime): RawSpan[] {
  const attrs: Attributes = {}
  const own = (ms: readonly SpanMatcher[]) =>
    rule.nameRef === null ? ms.map((m) => (m.nameRex ? { ...m, name: null } : m)) : ms
  const starts = hitsOf(state, own(rule.start))
  const ends = hitsOf(state, own(rule.end))
  const out: RawSpan[] = []
  const forKey = (hits: Hit[], key: string | null) =>
    hits.filter((h) => h.key === key || h.key === null)
  const source =
    rule.mode === 'direct-info' ? (ends.length > 0 ? ends : starts) : [...starts, ...ends]
  for (const key of instancesOf(state, rule, source)) {
    const window =
      rule.mode === 'direct-info'
        ? directInfo(forKey(source, key))
        : startFinish(forKey(starts, key), forKey(ends, key), rule.needClose ? close : undefined)
    if (!window) continue
    const name = key === null ? rule.name : `${rule.name}:${key}`
    const span = between(name, window.from, window.to, attrs)
    if (span) out.push(span)
  }
  return out
}
