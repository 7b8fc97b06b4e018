import { formatTime } from '../../protocol/time.ts'
import { isPreassigned } from './derived.ts'
import {
  conditionEvidence,
  eventEvidence,
  type Finding,
  finding,
  oneLine,
  precisionOf,
  type RuleInput,
} from './diagnosis-finding.ts'
import { PREEMPTION_REASONS } from './parse-kubelet.ts'
import {
  type ParsedScheduling,
  parseScheduling,
  schedulingDetail,
  schedulingSummary,
} from './parse-scheduling.ts'
import type { PodState } from './pod-state.ts'

/** The scheduler placed the pod (or nobody had to). */
function isScheduled(state: PodState): boolean {
  return state.bound || state.ms.scheduled !== undefined || isPreassigned(state)
}

interface Observation {
  parsed: ParsedScheduling
  at: number
  first: number
  tie: string
  evidence: Finding['evidence'][number]
}

function observations(input: RuleInput): Observation[] {
  const out: Observation[] = []
  for (const ev of input.events) {
    if (ev.reason !== 'FailedScheduling') continue
    out.push({
      parsed: parseScheduling(ev.message),
      at: ev.last,
      first: ev.first,
      tie: ev.uid,
      evidence: eventEvidence(ev),
    })
  }
  const cond = input.state.conditions.PodScheduled
  const evidence = conditionEvidence(input.state, 'PodScheduled')
  if (
    cond &&
    cond.status !== 'true' &&
    cond.reason === 'Unschedulable' &&
    cond.message &&
    evidence
  ) {
    out.push({
      parsed: parseScheduling(cond.message),
      at: cond.t,
      first: cond.t,
      tie: 'condition:PodScheduled',
      evidence,
    })
  }
  return out
}

/**
 * `Unschedulable.*` from FailedScheduling events and the PodScheduled=False/Unschedulable
 * condition: the newest observation gives the primary sub-cause; every other sub-cause seen (in
 * that message or older ones) becomes its own finding, dated by its newest observation.
 */
function unschedulable(input: RuleInput): Finding[] {
  const obs = observations(input).sort((a, b) => b.at - a.at || (a.tie < b.tie ? -1 : 1))
  const blocking = !isScheduled(input.state)
  const byCause = new Map<string, Finding>()
  for (const o of obs) {
    for (const cause of o.parsed.causes) {
      const known = byCause.get(cause)
      if (known) {
        known.first = Math.min(known.first, o.first)
        if (known.evidence.length < 5) known.evidence.push(o.evidence)
        continue
      }
      const parsed =
        cause === o.parsed.cause
          ? o.parsed
          : { ...o.parsed, cause, subjects: subjectsOf(o.parsed, cause) }
      byCause.set(
        cause,
        finding(cause, {
          kind: 'hard',
          summary: schedulingSummary(parsed),
          detail: schedulingDetail(parsed),
          evidence: [o.evidence],
          first: o.first,
          // A secondary cause of a message ranks just behind that message's primary.
          at: cause === o.parsed.cause ? o.at : o.at - 1,
          tie: o.tie,
          blocking,
        }),
      )
    }
  }
  return [...byCause.values()]
}

function subjectsOf(p: ParsedScheduling, cause: string): string[] {
  const out: string[] = []
  for (const item of p.items) {
    if (item.cause === cause && item.subject !== null && !out.includes(item.subject))
      out.push(item.subject)
  }
  return out
}

function gated(input: RuleInput): Finding[] {
  const cond = input.state.conditions.PodScheduled
  const evidence = conditionEvidence(input.state, 'PodScheduled')
  if (!cond || cond.status === 'true' || cond.reason !== 'SchedulingGated' || !evidence) return []
  return [
    finding('SchedulingGated', {
      kind: 'hard',
      summary: `scheduling is gated: ${oneLine(cond.message ?? 'the pod has non-empty spec.schedulingGates', 160)} — remove the gates to let the scheduler place it`,
      evidence: [evidence],
      first: cond.t,
      at: cond.t,
      tie: 'condition:PodScheduled',
      blocking: !isScheduled(input.state),
    }),
  ]
}

function preempted(input: RuleInput): Finding[] {
  const out: Finding[] = []
  for (const ev of input.events) {
    if (!PREEMPTION_REASONS.has(ev.reason)) continue
    out.push(
      finding('Preempted', {
        kind: 'hard',
        summary: `preempted: ${oneLine(ev.message, 160)} — a higher-priority pod took its place`,
        evidence: [eventEvidence(ev)],
        first: ev.first,
        at: ev.last,
        tie: ev.uid,
        blocking: true,
        terminal: true,
      }),
    )
  }
  const cond = input.state.conditions.DisruptionTarget
  const evidence = conditionEvidence(input.state, 'DisruptionTarget')
  if (cond?.status === 'true' && cond.reason && PREEMPTION_REASONS.has(cond.reason) && evidence) {
    out.push(
      finding('Preempted', {
        kind: 'hard',
        summary: `preempted by the scheduler (DisruptionTarget ${cond.reason}) — a higher-priority pod took its place`,
        evidence: [evidence],
        first: cond.t,
        at: cond.t,
        tie: 'condition:DisruptionTarget',
        blocking: true,
        terminal: true,
      }),
    )
  }
  return out
}

function quotaKind(message: string): string {
  if (/exceeded quota/i.test(message)) return 'resource quota exceeded'
  if (/admission webhook "[^"]*" denied/i.test(message))
    return 'admission webhook denied the request'
  if (/violates PodSecurity/i.test(message)) return 'PodSecurity admission rejected the pod'
  if (
    /(maximum|minimum) \S+ usage per (Container|Pod)|LimitRange|must be less than or equal to \S+ limit/i.test(
      message,
    )
  ) {
    return 'LimitRange rejected the pod'
  }
  return 'the API server rejected the pod'
}

function admission(input: RuleInput): Finding[] {
  const fail = input.state.createFailure
  if (!fail) return []
  const message = fail.message ?? fail.reason ?? ''
  // A 5xx is the API server (or its etcd, or a webhook it could not reach) failing, not a
  // refusal of the pod: no user-owned code, the cause is named in the summary instead.
  const serverError = fail.code >= 500
  const why = serverError ? 'the API server failed the request itself' : quotaKind(message)
  return [
    finding(serverError ? 'Unknown' : 'AdmissionRejected', {
      kind: 'hard',
      phase: 'admission',
      summary: `create failed (HTTP ${fail.code}): ${why} — ${oneLine(message, 160)}`,
      ...(fail.reason ? { detail: `reason: ${fail.reason}` } : {}),
      evidence: [
        {
          time: formatTime(fail.t, precisionOf(fail.t)),
          source: 'audit',
          field: 'create',
          reason: fail.reason ?? String(fail.code),
          message: oneLine(`HTTP ${fail.code}: ${message}`, 500),
        },
      ],
      first: fail.t,
      at: fail.t,
      tie: 'audit:create',
      blocking: true,
      terminal: true,
    }),
  ]
}

/** Schedule-phase and API admission rules. */
export function scheduleRules(input: RuleInput): Finding[] {
  return [...admission(input), ...unschedulable(input), ...gated(input), ...preempted(input)]
}
