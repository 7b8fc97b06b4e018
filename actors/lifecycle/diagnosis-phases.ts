import type { DiagnosisPhase } from '../../protocol/diagnosis-codes.ts'
import {
  containersStarted,
  hasInitContainers,
  isJob,
  isPreassigned,
  scheduledMark,
} from './derived.ts'
import type { Budgets } from './diagnosis-finding.ts'
import { compareAt, type Mark, type PodState } from './pod-state.ts'

/** The measured phases of LIFECYCLE §3, in order. */
export const BUDGET_PHASES = [
  'schedule',
  'nodeSetup',
  'imagePull',
  'init',
  'containerStart',
  'readiness',
] as const
export type BudgetPhase = (typeof BUDGET_PHASES)[number]

/** One measured phase: ms, and whether it was still running at the evaluation instant. */
export interface PhaseSpan {
  ms: number
  open: boolean
  /** Epoch µs bounds (the end is the evaluation instant for an open phase). */
  from: number
  to: number
  fromMark?: { name: string; mark: Mark }
  toMark?: { name: string; mark: Mark }
}

export type PhaseSpans = Record<BudgetPhase, PhaseSpan | null>

/** Budget of a phase, ms. */
export function budgetOf(budgets: Budgets, phase: BudgetPhase): number {
  return budgets[phase]
}

/** Diagnosis phase a slow budget phase is reported under. */
export const SLOW_PHASE_OF: Record<BudgetPhase, DiagnosisPhase> = {
  schedule: 'schedule',
  nodeSetup: 'sandbox',
  imagePull: 'image',
  init: 'init',
  containerStart: 'containerStart',
  readiness: 'readiness',
}

/** Owner of a slow budget phase: the platform's up to the pulls, the user's after. */
export function slowOwner(phase: BudgetPhase): 'user' | 'platform' {
  return phase === 'schedule' || phase === 'nodeSetup' || phase === 'imagePull'
    ? 'platform'
    : 'user'
}

/** Budget phases whose overrun a hard failure of a diagnosis phase would explain. */
export const BUDGETS_OF: Record<DiagnosisPhase, readonly BudgetPhase[]> = {
  schedule: ['schedule'],
  admission: ['nodeSetup'],
  volume: ['nodeSetup'],
  sandbox: ['nodeSetup'],
  // A container waiting for its image cannot start either.
  image: ['imagePull', 'containerStart'],
  containerCreate: ['containerStart'],
  // Crash loops and start failures after a first start show up in the readiness window too.
  containerStart: ['containerStart', 'readiness'],
  // A failing hook kills the container: its restarts show in the readiness window.
  hooks: ['containerStart', 'readiness'],
  init: ['init'],
  readiness: ['readiness'],
  node: [],
  delivery: [],
  delete: [],
}

/** Image pull windows, epoch µs, open ones ending at `end`; sorted by start. */
export function pullWindows(
  state: PodState,
  end: number,
): { image: string; from: number; to: number; open: boolean }[] {
  const out: { image: string; from: number; to: number; open: boolean }[] = []
  for (const image of Object.keys(state.pulls).sort()) {
    const pull = state.pulls[image]
    if (!pull) continue
    const to = pull.end?.t
    const from =
      pull.start?.t ??
      (to !== undefined && pull.reportedMs !== undefined ? to - pull.reportedMs * 1000 : undefined)
    if (from === undefined) continue
    if (to !== undefined) out.push({ image, from, to: Math.max(from, to), open: false })
    else if (end > from) out.push({ image, from, to: end, open: true })
  }
  return out.sort((a, b) => a.from - b.from || (a.image < b.image ? -1 : 1))
}

/** Length of the union of windows, clipped to [lo, hi], in µs. */
function unionLength(
  windows: readonly { from: number; to: number }[],
  lo = -Infinity,
  hi = Infinity,
): number {
  let total = 0
  let curFrom = Number.NaN
  let curTo = Number.NaN
  for (const w of [...windows].sort((a, b) => a.from - b.from)) {
    const from = Math.max(w.from, lo)
    const to = Math.min(w.to, hi)
    if (to <= from) continue
    if (Number.isNaN(curTo) || from > curTo) {
      if (!Number.isNaN(curTo)) total += curTo - curFrom
      curFrom = from
      curTo = to
    } else curTo = Math.max(curTo, to)
  }
  if (!Number.isNaN(curTo)) total += curTo - curFrom
  return total
}

function span(
  from: { name: string; mark: Mark } | undefined,
  to: { name: string; mark: Mark } | undefined,
  end: number,
  minus = 0,
): PhaseSpan | null {
  if (!from) return null
  if (to) {
    const ms = Math.max(0, (to.mark.t - from.mark.t - minus) / 1000)
    return { ms, open: false, from: from.mark.t, to: to.mark.t, fromMark: from, toMark: to }
  }
  if (end <= from.mark.t) return null
  return {
    ms: Math.max(0, (end - from.mark.t - minus) / 1000),
    open: true,
    from: from.mark.t,
    to: end,
    fromMark: from,
  }
}

const named = (name: string, mark: Mark | undefined) => (mark ? { name, mark } : undefined)

/**
 * Phase durations from the milestones (LIFECYCLE §3), with phases still running at `end` (epoch
 * µs) measured up to it. `containerStart` excludes the image pulls that overlap it (they have
 * their own budget). A phase whose start is unknown is null, never 0.
 */
export function measurePhases(state: PodState, end: number): PhaseSpans {
  const none: PhaseSpans = {
    schedule: null,
    nodeSetup: null,
    imagePull: null,
    init: null,
    containerStart: null,
    readiness: null,
  }
  const created = named('created', state.ms.created)
  if (!created) return none
  const preassigned = isPreassigned(state)
  const scheduled = named('scheduled', scheduledMark(state))
  const base = scheduled ?? (preassigned ? created : undefined)
  const sandbox = named('sandboxReady', state.ms.sandboxReady)
  const hasInit = hasInitContainers(state)
  const initialized = named('initialized', state.ms.initialized)
  const started = named('containersStarted', containersStarted(state))
  const ready = named('ready', state.ms.ready)
  const windows = pullWindows(state, end)
  const beforeStart = hasInit ? initialized : sandbox
  const startFrom = beforeStart?.mark.t ?? 0
  const startTo = started?.mark.t ?? end
  return {
    schedule: preassigned || (!scheduled && state.bound) ? null : span(created, scheduled, end),
    // Out of order only when surely before: a coarse sandbox time in the binding's second is not.
    nodeSetup:
      base && sandbox && compareAt(sandbox.mark, base.mark) < 0 ? null : span(base, sandbox, end),
    imagePull:
      windows.length === 0
        ? null
        : {
            ms: unionLength(windows) / 1000,
            open: windows.some((w) => w.open),
            from: windows[0]?.from ?? 0,
            to: Math.max(...windows.map((w) => w.to)),
          },
    init: hasInit && sandbox ? span(sandbox, initialized, end) : null,
    containerStart: span(beforeStart, started, end, unionLength(windows, startFrom, startTo)),
    readiness: isJob(state) ? null : span(started, ready, end),
  }
}
