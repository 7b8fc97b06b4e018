import type { Attributes } from '@opentelemetry/api'
import { capturedDurationMs, type SpanMatcher, type SpanRule } from '../../config/span-config.ts'
import type { MilestoneName } from '../../protocol/pod-report.ts'
import { granularity } from '../../protocol/time.ts'
import type { PodState } from '../lifecycle/pod-state.ts'
import { reportMilestones } from '../lifecycle/report.ts'
import { between, precisionOf } from './builtin-spans.ts'
import type { PlannedTime, RawSpan } from './span-plan.ts'

/** One place a matcher matched: when, which instance (a regex capture), a reported duration. */
export interface Hit {
  time: PlannedTime
  key: string | null
  durationMs: number | null
}

function capture(m: RegExpExecArray): string | null {
  return m.groups?.key ?? m[1] ?? null
}

function opHits(state: PodState, m: SpanMatcher): Hit[] {
  const out: Hit[] = []
  for (const [op, t] of Object.entries(state.ops)) {
    if (m.exact !== null && op !== m.exact) continue
    let key: string | null = null
    if (m.regex) {
      const found = m.regex.exec(op)
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
    if (m.message) {
      const found = m.message.exec(ev.message)
      if (!found) continue
      key = capture(found)
    }
    let durationMs: number | null = null
    if (m.duration) {
      const d = m.duration.exec(ev.message)?.[1]
      durationMs = d === undefined ? null : capturedDurationMs(d)
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

function hitsOf(state: PodState, matchers: readonly SpanMatcher[]): Hit[] {
  return matchers
    .flatMap((m) => matcherHits(state, m))
    .sort((a, b) => a.time.t - b.time.t || (a.key ?? '').localeCompare(b.key ?? ''))
}

/** Earliest hit for `key` (or an unkeyed one) at or after `after` (within its truncation). */
function first(hits: Hit[], key: string | null, after?: PlannedTime): Hit | undefined {
  return hits.find(
    (h) =>
      (h.key === key || h.key === null) &&
      (after === undefined || h.time.t + granularity(h.time.p) > after.t),
  )
}

function keysOf(hits: Hit[]): (string | null)[] {
  const keys = [...new Set(hits.map((h) => h.key).filter((k) => k !== null))].sort()
  return keys.length > 0 ? keys : [null]
}

function startOf(end: Hit): PlannedTime | undefined {
  if (end.durationMs === null) return undefined
  return { t: end.time.t - Math.round(end.durationMs * 1000), p: end.time.p }
}

/**
 * The spans one config rule describes on this pod. `start-finish`: from the earliest start hit to
 * the earliest end hit at or after it (without a start hit, an end hit whose DurationRegex gave a
 * duration starts that long before it). `direct-info`: one span per matched instance, ending at
 * the hit and lasting its captured duration (empty without one). A regex capture splits the rule
 * into one span per instance, named `<Name>:<instance>`.
 */
export function configSpans(state: PodState, rule: SpanRule): RawSpan[] {
  const attrs: Attributes = {}
  const starts = hitsOf(state, rule.start)
  const ends = hitsOf(state, rule.end)
  const out: RawSpan[] = []
  if (rule.mode === 'direct-info') {
    const hits = ends.length > 0 ? ends : starts
    for (const key of keysOf(hits)) {
      const hit = first(hits, key)
      if (!hit) continue
      const name = key === null ? rule.name : `${rule.name}:${key}`
      const span = between(name, startOf(hit) ?? hit.time, hit.time, attrs)
      if (span) out.push(span)
    }
    return out
  }
  for (const key of keysOf([...starts, ...ends])) {
    const s = first(starts, key)
    const e = s ? first(ends, key, s.time) : first(ends, key)
    const from = s?.time ?? (e ? startOf(e) : undefined)
    if (!from || !e) continue
    const name = key === null ? rule.name : `${rule.name}:${key}`
    const span = between(name, from, e.time, attrs)
    if (span) out.push(span)
  }
  return out
}
