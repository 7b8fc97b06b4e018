import type { Evidence } from '../../protocol/pod-report.ts'
import { formatTime } from '../../protocol/time.ts'
import {
  containerProgressAfter,
  eventEvidence,
  type Finding,
  finding,
  formatDuration,
  GOT_PAST,
  groupBy,
  markEvidence,
  oneLine,
  precisionOf,
  type RuleInput,
} from './diagnosis-finding.ts'
import { hookContainer, hookWindows } from './hook-windows.ts'
import type { EventRecord } from './pod-state.ts'

const HOOK_ERROR = /failed - error:\s*(.*)$/s

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

/** PostStartHookSlow: a measured hook window ({@link hookWindows}) over `PostStartHookTimeout`. */
function slowHooks(input: RuleInput): Finding[] {
  const limit = input.postStartHookTimeoutMs
  if (limit === null) return []
  const out: Finding[] = []
  for (const { name, start, startEvent, end, ms } of hookWindows(input.state, input.events)) {
    if (ms <= limit) continue
    const startEv: Evidence = startEvent
      ? eventEvidence(startEvent)
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
