import type { Evidence } from '../../protocol/pod-report.ts'
import { formatTime } from '../../protocol/time.ts'
import {
  containerOf,
  containerProgressAfter,
  eventEvidence,
  type Finding,
  finding,
  formatDuration,
  GOT_PAST,
  groupBy,
  markEvidence,
  oneLine,
  PROGRESS_REASONS,
  precisionOf,
  type RuleInput,
} from './diagnosis-finding.ts'
import { compareAt, type EventRecord } from './pod-state.ts'

const HOOK_CONTAINER = /for Container "([^"]+)"/
const HOOK_ERROR = /failed - error:\s*(.*)$/s

function hookContainer(ev: EventRecord): string | null {
  return containerOf(ev)?.name ?? HOOK_CONTAINER.exec(ev.message)?.[1] ?? null
}

/** `FailedPostStartHook` events and PostStartHookError waiting states, per container. */
function failedHooks(input: RuleInput): Finding[] {
  const obs: { name: string; ev: EventRecord }[] = []
  for (const ev of input.events) {
    if (ev.reason !== 'FailedPostStartHook') continue
    const name = hookContainer(ev)
    if (name) obs.push({ name, ev })
  }
  const out: Finding[] = []
  for (const [name, list] of groupBy(obs, (o) => o.name)) {
    const newest = list[list.length - 1]
    if (!newest) continue
    const why = HOOK_ERROR.exec(newest.ev.message)?.[1] ?? newest.ev.message
    out.push(
      finding('PostStartHookFailed', {
        kind: 'hard',
        summary: `postStart hook of container ${name} failed, so the container was killed: ${oneLine(why, 160)}`,
        evidence: list.slice(-3).map((o) => eventEvidence(o.ev)),
        first: Math.min(...list.map((o) => o.ev.first)),
        at: newest.ev.last,
        tie: `${name}:${newest.ev.uid}`,
        blocking: !containerProgressAfter(input, name, newest.ev.last, GOT_PAST.start),
      }),
    )
  }
  for (const [name, cs] of Object.entries(input.state.containers).sort(([a], [b]) =>
    a < b ? -1 : 1,
  )) {
    const w = cs.waiting
    if (w?.reason !== 'PostStartHookError' || obs.some((o) => o.name === name)) continue
    out.push(
      finding('PostStartHookFailed', {
        kind: 'hard',
        summary: `postStart hook of container ${name} failed: ${oneLine(w.message ?? w.reason, 160)}`,
        evidence: [
          {
            time: formatTime(w.t, precisionOf(w.t)),
            source: 'container',
            field: `containers.${name}.waiting`,
            reason: w.reason,
          },
        ],
        first: w.t,
        at: w.t,
        tie: `waiting:${name}`,
        blocking: cs.ready !== true,
      }),
    )
  }
  return out
}

/**
 * PostStartHookSlow: the kubelet runs a container's postStart hook before it moves on to the next
 * container of the spec, so the hook's window is this container's first `Started` → the first
 * kubelet event about a later container (or the hook's failure). Without such end evidence (the
 * last container, or nothing observed) the hook is not measured.
 */
function slowHooks(input: RuleInput): Finding[] {
  const limit = input.postStartHookTimeoutMs
  const spec = input.state.facts.containers
  const hooks = input.state.facts.postStartHooks
  if (limit === null || !spec || !hooks) return []
  const order = spec.map((c) => c.name)
  const out: Finding[] = []
  for (const name of [...hooks].sort()) {
    const idx = order.indexOf(name)
    const started = input.events.find(
      (ev) => ev.reason === 'Started' && containerOf(ev)?.name === name,
    )
    const start = started?.first ?? input.state.containers[name]?.started?.t
    if (idx < 0 || start === undefined) continue
    const later = new Set(order.slice(idx + 1))
    let end: EventRecord | undefined
    for (const ev of input.events) {
      const c = containerOf(ev)
      const next = c !== null && !c.init && later.has(c.name) && PROGRESS_REASONS.has(ev.reason)
      const failed = ev.reason === 'FailedPostStartHook' && hookContainer(ev) === name
      const after = compareAt({ t: ev.first, p: ev.firstP }, start) >= 0
      if ((next || failed) && after && (!end || ev.first < end.first)) end = ev
    }
    if (!end) continue
    const ms = (end.first - start) / 1000
    if (ms <= limit) continue
    const startEv: Evidence = started
      ? eventEvidence(started)
      : markEvidence(`containers.${name}.started`, { t: start, p: 'us', s: 'watch' })
    out.push(
      finding('PostStartHookSlow', {
        kind: 'slow',
        summary: `postStart hook of container ${name} ran about ${formatDuration(ms)} (PostStartHookTimeout ${formatDuration(limit)})`,
        detail: `measured from its Started event to the next kubelet event after the hook: ${end.reason} ${oneLine(end.message, 120)}`,
        evidence: [startEv, eventEvidence(end)],
        first: start,
        at: end.first,
        tie: name,
        blocking: false,
      }),
    )
  }
  return out
}

/** postStart hook rules. */
export function hookRules(input: RuleInput): Finding[] {
  return [...failedHooks(input), ...slowHooks(input)]
}
