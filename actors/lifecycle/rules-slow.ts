import type { Evidence } from '../../protocol/pod-report.ts'
import { scheduledMark } from './derived.ts'
import {
  type Finding,
  finding,
  formatDuration,
  markEvidence,
  PROGRESS_REASONS,
  type RuleInput,
} from './diagnosis-finding.ts'
import {
  BUDGET_PHASES,
  BUDGETS_OF,
  type BudgetPhase,
  budgetOf,
  measurePhases,
  type PhaseSpan,
  type PhaseSpans,
  pullWindows,
  SLOW_PHASE_OF,
  slowOwner,
} from './diagnosis-phases.ts'
import { SANDBOX_REASONS, VOLUME_REASONS } from './parse-kubelet.ts'
import { compareAt } from './pod-state.ts'

/** Kubelet event reasons that prove the kubelet started working on the pod. */
const KUBELET_ACTIVITY = new Set([
  ...PROGRESS_REASONS,
  ...VOLUME_REASONS,
  ...SANDBOX_REASONS,
  'NetworkNotReady',
  'Failed',
  'BackOff',
  'FailedPostStartHook',
])

function spanEvidence(s: PhaseSpan): Evidence[] {
  const out: Evidence[] = []
  if (s.fromMark) out.push(markEvidence(s.fromMark.name, s.fromMark.mark))
  if (s.toMark) out.push(markEvidence(s.toMark.name, s.toMark.mark))
  return out
}

function over(spans: PhaseSpans, input: RuleInput, phase: BudgetPhase): PhaseSpan | null {
  const s = spans[phase]
  return s && s.ms > budgetOf(input.budgets, phase) ? s : null
}

function took(s: PhaseSpan, what: string, budgetMs: number): string {
  const d = formatDuration(s.ms)
  return s.open
    ? `${what} still running after ${d} (budget ${formatDuration(budgetMs)})`
    : `${what} took ${d} (budget ${formatDuration(budgetMs)})`
}

function kubeletSlow(input: RuleInput): Finding | null {
  const { state } = input
  const scheduled = scheduledMark(state)
  if (!scheduled) return null
  let first: number | undefined
  const consider = (t: number | undefined): void => {
    // Activity in the binding's second counts (intervals): only surely earlier activity is not.
    if (t !== undefined && compareAt(t, scheduled) >= 0 && (first === undefined || t < first))
      first = t
  }
  consider(state.ms.kubeletAccepted?.t)
  consider(state.ms.sandboxReady?.t)
  consider(state.ms.running?.t)
  for (const c of Object.values(state.containers)) consider(c.started?.t)
  for (const ev of input.events)
    if (ev.component === 'kubelet' && KUBELET_ACTIVITY.has(ev.reason)) consider(ev.first)
  const end = first ?? input.cutoff
  const ms = Math.max(0, end - scheduled.t) / 1000
  const budget = input.budgets.nodeSetup
  if (ms <= budget) return null
  const node = state.facts.nodeName ? ` to node ${state.facts.nodeName}` : ''
  const d = formatDuration(ms)
  return finding('KubeletSlow', {
    kind: 'slow',
    summary:
      first === undefined
        ? `bound${node} ${d} ago, but the kubelet has shown no activity (nodeSetup budget ${formatDuration(budget)})`
        : `the kubelet took ${d} to act on the pod after it was bound${node} (nodeSetup budget ${formatDuration(budget)})`,
    evidence: [markEvidence('scheduled', scheduled)],
    first: scheduled.t,
    at: end,
    tie: 'kubelet',
    blocking: first === undefined,
  })
}

function imagePullSlow(input: RuleInput, s: PhaseSpan): Finding {
  const windows = pullWindows(input.state, input.cutoff)
    .map((w) => ({ ...w, ms: (w.to - w.from) / 1000 }))
    .sort((a, b) => b.ms - a.ms || (a.image < b.image ? -1 : 1))
  const top = windows[0]
  const lead = top
    ? `: image "${top.image}" ${top.open ? 'still pulling after' : 'took'} ${formatDuration(top.ms)}`
    : ''
  return finding('ImagePullSlow', {
    kind: 'slow',
    summary: `${took(s, 'image pulls', input.budgets.imagePull)}${lead}`,
    detail: windows
      .map((w) => `${w.image} ${formatDuration(w.ms)}${w.open ? ' (still pulling)' : ''}`)
      .join('; '),
    evidence: windows.slice(0, 3).flatMap((w) => {
      const pull = input.state.pulls[w.image]
      const out: Evidence[] = []
      if (pull?.start) out.push(markEvidence(`pulls.${w.image}.start`, pull.start))
      if (pull?.end) out.push(markEvidence(`pulls.${w.image}.end`, pull.end))
      return out
    }),
    first: s.from,
    at: s.to,
    tie: 'imagePull',
    blocking: s.open,
  })
}

/**
 * Slowness (never for `success`): SchedulingSlow, KubeletSlow and ImagePullSlow when no hard
 * failure of their phase explains the time; then, over the SLO, SlowPhase for the phase most over
 * its budget among those no other finding (`found`: the rules' findings) covers.
 */
export function slowRules(
  input: RuleInput,
  found: readonly Finding[],
  spans: PhaseSpans = measurePhases(input.state, input.cutoff),
): Finding[] {
  if (input.result === 'success' || input.result === 'pending') return []
  const covered = new Set<BudgetPhase>()
  for (const f of found) {
    // A pod cut short from outside (eviction, node loss, preemption) explains all its slowness.
    const phases = f.terminal || f.phase === 'node' ? BUDGET_PHASES : BUDGETS_OF[f.phase]
    for (const p of phases) covered.add(p)
  }
  const hardIn = (phase: string) => found.some((f) => f.kind === 'hard' && f.phase === phase)
  const out: Finding[] = []
  const schedule = over(spans, input, 'schedule')
  if (schedule && !hardIn('schedule')) {
    out.push(
      finding('SchedulingSlow', {
        kind: 'slow',
        summary: `${took(schedule, 'scheduling', input.budgets.schedule)} and the scheduler reported no failure`,
        evidence: spanEvidence(schedule),
        first: schedule.from,
        at: schedule.to,
        tie: 'schedule',
        blocking: schedule.open,
      }),
    )
    covered.add('schedule')
  }
  const kubelet =
    hardIn('admission') || hardIn('volume') || hardIn('sandbox') ? null : kubeletSlow(input)
  if (kubelet) {
    out.push(kubelet)
    covered.add('nodeSetup')
  }
  const pull = over(spans, input, 'imagePull')
  if (pull && !hardIn('image')) {
    out.push(imagePullSlow(input, pull))
    covered.add('imagePull')
  }
  const overSlo =
    input.state.slo.create.violatedAt !== null ||
    input.result === 'violated' ||
    input.result === 'late'
  if (!overSlo) return out
  let worst: { phase: BudgetPhase; s: PhaseSpan; excess: number } | null = null
  const overList: string[] = []
  for (const phase of BUDGET_PHASES) {
    const s = over(spans, input, phase)
    if (!s) continue
    const budget = budgetOf(input.budgets, phase)
    overList.push(
      `${phase} ${formatDuration(s.ms)}${s.open ? '+' : ''} (budget ${formatDuration(budget)})`,
    )
    if (covered.has(phase)) continue
    const excess = s.ms - budget
    if (!worst || excess > worst.excess) worst = { phase, s, excess }
  }
  if (worst) {
    const budget = budgetOf(input.budgets, worst.phase)
    out.push(
      finding('SlowPhase', {
        kind: 'slow',
        phase: SLOW_PHASE_OF[worst.phase],
        owner: slowOwner(worst.phase),
        summary: `${took(worst.s, `the ${worst.phase} phase`, budget)}, ${formatDuration(worst.excess)} over budget, with no failure reported`,
        detail: `phases over budget: ${overList.join('; ')}`,
        evidence: spanEvidence(worst.s),
        first: worst.s.from,
        at: worst.s.to,
        tie: worst.phase,
        blocking: worst.s.open,
      }),
    )
  }
  return out
}
