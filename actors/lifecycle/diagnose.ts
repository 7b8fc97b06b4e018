import { DIAGNOSIS_CODES, type DiagnosisCode, phaseRank } from '../../protocol/diagnosis-codes.ts'
import type { Evidence, Owner, ReportDiagnosis } from '../../protocol/pod-report.ts'
import { formatTime } from '../../protocol/time.ts'
import { deleteMark, deliveryEnd } from './derived.ts'
import {
  type Budgets,
  eventEvidence,
  type Finding,
  formatDuration,
  markEvidence,
  oneLine,
  type RuleInput,
} from './diagnosis-finding.ts'
import {
  BUDGET_PHASES,
  BUDGETS_OF,
  budgetOf,
  measurePhases,
  type PhaseSpans,
} from './diagnosis-phases.ts'
import { isSchedulingNoise } from './parse-scheduling.ts'
import { compareAt, intervalEnd, type Mark, type PodState } from './pod-state.ts'
import { intervalView } from './precision-view.ts'
import { containerRules } from './rules-container.ts'
import { hookRules } from './rules-hooks.ts'
import { imageRules } from './rules-image.ts'
import { nodeRules } from './rules-node.ts'
import { probeRules } from './rules-probe.ts'
import { scheduleRules } from './rules-schedule.ts'
import { slowRules } from './rules-slow.ts'
import { statusTrouble } from './status-trouble.ts'

export type { Budgets } from './diagnosis-finding.ts'

/** How many other findings the detail line summarises. */
const ALSO_MAX = 4

/** What diagnosis needs besides the pod: budgets, the hook timeout, the clock and the verdict. */
export interface DiagnoseContext {
  budgets: Budgets
  /** `PostStartHookTimeout` in ms; null disables PostStartHookSlow. */
  postStartHookTimeoutMs: number | null
  /** Evaluation instant, epoch µs (the deadline for a `violated` alert, end of input for replay). */
  now: number
  /** The create SLO result being explained. */
  result: string
}

/**
 * Whether a pod with this create result gets a diagnosis: every result except `pending` and
 * `success`; and `success` pods that saw Warning events or whose status shows trouble (a container
 * restarted after a failure, a failure waiting reason: Events are lossy, status is not).
 */
export function shouldDiagnose(result: string, state: PodState): boolean {
  if (result === 'pending' || result === 'ignored') return false
  if (result === 'success') {
    return state.events.some((ev) => ev.type === 'Warning') || statusTrouble(state)
  }
  return true
}

type Instant = { t: number; p: Mark['p'] }

/** The instant the verdict speaks about (with its precision): delivery, the delete, the failure, or now. */
function verdictTime(state: PodState, result: string, now: number): Instant {
  const exact = (t: number): Instant => ({ t, p: 'us' })
  // Earliest as intervals: a coarse time never wins over a fine one inside its second.
  const earliest = (...marks: (Mark | undefined | null)[]): Mark | undefined => {
    let best: Mark | undefined
    for (const m of marks) if (m && (!best || compareAt(m, best) < 0)) best = m
    return best
  }
  switch (result) {
    case 'success':
    case 'late':
      return deliveryEnd(state) ?? exact(now)
    case 'killed':
      return deleteMark(state) ?? exact(now)
    case 'failed': {
      const fail = state.createFailure
        ? { t: state.createFailure.t, p: 'us' as const, s: 'audit' as const }
        : undefined
      const m = earliest(state.ms.failed, state.evicted, fail, deleteMark(state))
      return m && compareAt(m, now) <= 0 ? m : exact(now)
    }
    default:
      return exact(now)
  }
}

/**
 * A resolved hard failure explains a late delivery only when it sat in the phase that overran its
 * budget most (or its phase cannot be measured); otherwise the slowness elsewhere ranks first.
 */
function significant(f: Finding, spans: PhaseSpans, budgets: Budgets): boolean {
  const phases = BUDGETS_OF[f.phase]
  if (phases.length === 0) return true
  let worst = 0
  for (const p of BUDGET_PHASES) {
    const s = spans[p]
    if (s) worst = Math.max(worst, s.ms - budgetOf(budgets, p))
  }
  let measured = false
  for (const p of phases) {
    const s = spans[p]
    if (!s) continue
    measured = true
    const excess = s.ms - budgetOf(budgets, p)
    if (excess > 0 && excess >= worst) return true
  }
  return !measured
}

/**
 * Ranking tiers, lower first: 0 terminal blockers, 1 hard blockers, 2 open slowness, 3 resolved
 * hard failures of the phase most over budget, 4 closed slowness, 5 other resolved hard failures,
 * 6 findings after the verdict instant (after delivery, or after the delete).
 */
function tier(f: Finding, input: RuleInput, spans: PhaseSpans): number {
  // "After" only when surely after: a coarse verdict time stands for its whole second.
  const after = input.delivered
    ? f.first >= intervalEnd(input.delivered)
    : !f.terminal && f.first >= input.cutoffUntil
  if (after) return 6
  if (f.blocking) return f.kind === 'slow' ? 2 : f.terminal ? 0 : 1
  if (f.kind === 'slow') return 4
  return significant(f, spans, input.budgets) ? 3 : 5
}

function ownerOf(f: Finding): Owner {
  if (f.owner) return f.owner
  const owner = DIAGNOSIS_CODES[f.code].owner
  return owner === 'by-phase' ? 'unknown' : owner
}

function synthetic(
  code: DiagnosisCode,
  summary: string,
  evidence: Evidence[],
  at: number,
): Finding {
  return {
    code,
    phase: DIAGNOSIS_CODES[code].phase,
    kind: 'hard',
    summary,
    evidence,
    first: at,
    at,
    tie: code,
    blocking: false,
  }
}

function reached(state: PodState): string {
  const order = [
    'ready',
    'containersReady',
    'running',
    'initialized',
    'sandboxReady',
    'kubeletAccepted',
    'scheduled',
    'created',
  ] as const
  return order.find((m) => state.ms[m] !== undefined) ?? 'none'
}

function fallback(state: PodState, input: RuleInput): Finding {
  const created = state.ms.created
  const age = created ? ` ${formatDuration((input.cutoff - created.t) / 1000)} after creation` : ''
  const at = input.cutoff
  if (input.result === 'killed') {
    const del = deleteMark(state)
    const evidence = del ? [markEvidence('deleteRequested', del)] : []
    return synthetic(
      'DeletedBeforeReady',
      `deleted before it became ready${age}; nothing was blocking it (last milestone: ${reached(state)})`,
      evidence,
      at,
    )
  }
  if (input.result === 'success') {
    const warnings = state.events.filter((ev) => ev.type === 'Warning')
    const reasons = [...new Set(warnings.map((ev) => ev.reason))].sort().join(', ')
    return synthetic(
      'Unknown',
      `ready within its SLO; Warning events no rule explains: ${reasons}`,
      warnings.slice(-5).map(eventEvidence),
      at,
    )
  }
  return synthetic(
    'Unknown',
    `${input.result}${age} and no rule matched (last milestone: ${reached(state)})`,
    [],
    at,
  )
}

/**
 * Diagnoses a pod (LIFECYCLE §6): every rule runs, then the primary is chosen by tier (see
 * {@link tier}), phase order, newest evidence, code and tie. `killed` pods with no blocker get
 * `DeletedBeforeReady`; `incomplete` pods with no finding get null; other results with no finding
 * get `Unknown`. Returns null when {@link shouldDiagnose} says nothing should be said.
 */
export function diagnose(pod: PodState, ctx: DiagnoseContext): ReportDiagnosis | null {
  if (!shouldDiagnose(ctx.result, pod)) return null
  const state = intervalView(pod)
  const verdict = verdictTime(state, ctx.result, ctx.now)
  const cutoff = verdict.t
  const end = deliveryEnd(state)
  const events = state.events
    .filter((ev) => !(ev.reason === 'FailedScheduling' && isSchedulingNoise(ev.message)))
    .sort(
      (a, b) =>
        a.last - b.last || a.first - b.first || (a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0),
    )
  const input: RuleInput = {
    state,
    events,
    budgets: ctx.budgets,
    postStartHookTimeoutMs: ctx.postStartHookTimeoutMs,
    result: ctx.result,
    cutoff,
    cutoffUntil: intervalEnd(verdict),
    delivered: end && compareAt(end, verdict) <= 0 ? end : undefined,
  }
  const hard = [
    ...scheduleRules(input),
    ...nodeRules(input),
    ...imageRules(input),
    ...containerRules(input),
    ...hookRules(input),
    ...probeRules(input),
  ]
  const spans = measurePhases(state, cutoff)
  const all = [...hard, ...slowRules(input, hard, spans)]
  if (input.delivered) for (const f of all) f.blocking = false
  const ranked = all
    .map((f) => ({ f, tier: tier(f, input, spans) }))
    .sort(
      (a, b) =>
        a.tier - b.tier ||
        phaseRank(a.f.phase) - phaseRank(b.f.phase) ||
        b.f.at - a.f.at ||
        (a.f.code < b.f.code ? -1 : a.f.code > b.f.code ? 1 : 0) ||
        (a.f.tie < b.f.tie ? -1 : a.f.tie > b.f.tie ? 1 : 0),
    )
  const pick = (maxTier: number) => ranked.find((r) => r.tier <= maxTier)?.f
  let primary: Finding | undefined
  if (ctx.result === 'success') primary = ranked[0]?.f
  else if (ctx.result === 'killed') primary = pick(2)
  else if (ctx.result === 'incomplete') {
    primary = pick(5)
    if (!primary) return null
  } else primary = pick(5)
  const chosen = primary ?? fallback(state, input)
  const findings: string[] = [chosen.code]
  // The other findings' summaries (exit codes, taint keys…) ride along in the detail.
  const also: string[] = []
  for (const r of ranked) {
    if (findings.includes(r.f.code)) continue
    findings.push(r.f.code)
    if (also.length < ALSO_MAX) also.push(`also ${r.f.code}: ${oneLine(r.f.summary, 160)}`)
  }
  // A killed pod that was blocked: the blocker is primary, the delete rides along as secondary.
  const del = ctx.result === 'killed' && primary ? deleteMark(state) : undefined
  const deleted = del ? [`then deleted at ${formatTime(del.t, del.p)} while blocked`] : []
  const detail = [chosen.detail, ...deleted, ...also].filter((x) => x !== undefined).join(' | ')
  const evidence = del
    ? [...chosen.evidence, markEvidence('deleteRequested', del)]
    : chosen.evidence
  return {
    code: chosen.code,
    owner: ownerOf(chosen),
    phase: chosen.phase,
    summary: chosen.summary,
    ...(detail !== '' ? { detail } : {}),
    evidence,
    findings,
  }
}
