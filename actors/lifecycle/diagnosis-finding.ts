import type { PhaseBudgets } from '../../config/slo-config.ts'
import {
  DIAGNOSIS_CODES,
  type DiagnosisCode,
  type DiagnosisPhase,
} from '../../protocol/diagnosis-codes.ts'
import type { Evidence } from '../../protocol/pod-report.ts'
import { formatTime, type Precision } from '../../protocol/time.ts'
import {
  type EventRecord,
  impliedPrecision,
  type Mark,
  type PodState,
  surelyAfter,
} from './pod-state.ts'

/** Per-phase budgets in ms (the SLO config's `budgets`). */
export type Budgets = PhaseBudgets

/** What a rule sees: the pod, the evaluation window and the configuration. */
export interface RuleInput {
  readonly state: PodState
  /** The pod's events, oldest first by last occurrence, ties by event uid; noise removed. */
  readonly events: readonly EventRecord[]
  readonly budgets: Budgets
  readonly postStartHookTimeoutMs: number | null
  /** The create SLO result being explained. */
  readonly result: string
  /** Evaluation instant, epoch µs: what blocks "now" is judged at this time. */
  readonly cutoff: number
  /**
   * End (exclusive) of the interval the cutoff stands for: a second-precision delete at 10:00:05
   * may have come at 10:00:05.9, so only evidence from 10:00:06 on is surely after it.
   */
  readonly cutoffUntil: number
  /** When delivery ended (Ready, or a job's first start), if it did by `cutoff`. */
  readonly delivered: Mark | undefined
}

/** One matched code with what proves it. */
export interface Finding {
  code: DiagnosisCode
  /** Phase used for ordering; the catalogue's phase unless the rule says otherwise. */
  phase: DiagnosisPhase
  kind: 'hard' | 'slow'
  summary: string
  detail?: string
  evidence: Evidence[]
  /** Earliest evidence, epoch µs. */
  first: number
  /** Newest evidence, epoch µs: newest wins within a phase. */
  at: number
  /** Deterministic tie-break (event uid, container name). */
  tie: string
  /** Still keeping the pod from delivery at `cutoff`. */
  blocking: boolean
  /** Ends the pod from outside (eviction, preemption, rejection): explains a terminal verdict. */
  terminal?: boolean
  /** Owner override (only `SlowPhase`, whose owner follows the slow phase). */
  owner?: 'user' | 'platform'
}

/** A finding with the catalogue's phase filled in. */
export function finding(
  code: DiagnosisCode,
  rest: Omit<Finding, 'code' | 'phase'> & { phase?: DiagnosisPhase },
): Finding {
  return { code, phase: rest.phase ?? DIAGNOSIS_CODES[code].phase, ...rest }
}

/** Precision implied by a bare epoch-µs value (conditions and container states keep no precision). */
export function precisionOf(t: number): Precision {
  return impliedPrecision(t)
}

/** An Event's last occurrence as an instant with its precision. */
export function lastOf(ev: EventRecord): { t: number; p: Precision } {
  return { t: ev.last, p: ev.lastP ?? impliedPrecision(ev.last) }
}

/** Collapses whitespace and cuts to `max` characters. */
export function oneLine(text: string, max = 200): string {
  const line = text.replace(/\s+/g, ' ').trim()
  return line.length > max ? `${line.slice(0, max - 1)}…` : line
}

/** `1h2m3s`, `4m10s`, `12s`, `850ms`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`
  let s = Math.round(ms / 1000)
  const h = Math.floor(s / 3600)
  s -= h * 3600
  const m = Math.floor(s / 60)
  s -= m * 60
  return `${h > 0 ? `${h}h` : ''}${h > 0 || m > 0 ? `${m}m` : ''}${s > 0 || (h === 0 && m === 0) ? `${s}s` : ''}`
}

/** Evidence for an Event: its first occurrence, reason, message and fieldPath. */
export function eventEvidence(ev: EventRecord): Evidence {
  const count = ev.count > 1 ? ` (x${ev.count}, last ${formatTime(ev.last, ev.firstP)})` : ''
  return {
    time: formatTime(ev.first, ev.firstP),
    source: 'event',
    reason: ev.reason,
    message: `${oneLine(ev.message, 500)}${count}`,
    ...(ev.fieldPath ? { field: ev.fieldPath } : {}),
  }
}

/** Evidence for a pod condition. */
export function conditionEvidence(state: PodState, type: string): Evidence | null {
  const c = state.conditions[type]
  if (!c) return null
  return {
    time: formatTime(c.t, precisionOf(c.t)),
    source: 'condition',
    field: `conditions.${type}`,
    reason: c.reason ?? c.status,
    ...(c.message ? { message: oneLine(c.message, 500) } : {}),
  }
}

/** Evidence for a milestone (slowness proofs). */
export function markEvidence(name: string, mark: Mark): Evidence {
  return { time: formatTime(mark.t, mark.p), source: 'milestone', field: name, reason: mark.s }
}

const FIELD = /^spec\.(initContainers|containers|ephemeralContainers)\{([^}]+)\}/

/** Container an event is about (from its fieldPath), or null. */
export function containerOf(ev: EventRecord): { name: string; init: boolean } | null {
  const m = FIELD.exec(ev.fieldPath ?? '')
  if (!m?.[2]) return null
  return { name: m[2], init: m[1] === 'initContainers' }
}

/**
 * Whether a container is an ordinary init container: from the spec, its state, or an event's
 * fieldPath. A native sidecar is not: it runs beside the main containers (see `isSidecar`).
 */
export function isInit(state: PodState, name: string): boolean {
  const spec = state.facts.initContainers?.find((c) => c.name === name)
  if (spec) return spec.restartPolicy !== 'Always'
  return state.containers[name]?.init ?? false
}

/** Kubelet reasons that prove the pod's sandbox and containers made progress. */
export const PROGRESS_REASONS = new Set([
  'AddedInterface',
  'Pulling',
  'Pulled',
  'Created',
  'Started',
])

/** Whether the pod made kubelet progress (sandbox, pull, create, start) after `t`. */
export function podProgressAfter(input: RuleInput, t: number): boolean {
  const { state } = input
  if (state.ms.sandboxReady && surelyAfter(state.ms.sandboxReady, t)) return true
  for (const ev of input.events) {
    if (
      surelyAfter(lastOf(ev), t) &&
      PROGRESS_REASONS.has(ev.reason) &&
      ev.component !== 'default-scheduler'
    ) {
      return true
    }
  }
  return Object.values(state.containers).some(
    (c) => c.started !== undefined && surelyAfter(c.started, t),
  )
}

/** Event reasons that prove a container got past a pull, create or start failure. */
export const GOT_PAST = {
  pull: ['Pulled', 'Created', 'Started'],
  create: ['Created', 'Started'],
  start: ['Started'],
} as const

/**
 * Whether a container got past a failure last seen at `t`: one of the `past` events for it after
 * `t`, its first start after `t`, or it is ready now. Strictly after: a retry in the same second as
 * the failure proves nothing, and a second-precision time is after only from the next second on.
 */
export function containerProgressAfter(
  input: RuleInput,
  name: string,
  t: number,
  past: readonly string[],
): boolean {
  const cs = input.state.containers[name]
  if (cs?.ready === true) return true
  if (cs?.started && surelyAfter(cs.started, t)) return true
  return input.events.some(
    (ev) =>
      surelyAfter(lastOf(ev), t) && past.includes(ev.reason) && containerOf(ev)?.name === name,
  )
}

/** Groups items by a key, keys sorted, so iteration never depends on input order. */
export function groupBy<T>(items: readonly T[], key: (item: T) => string): [string, T[]][] {
  const groups = new Map<string, T[]>()
  for (const item of items) {
    const k = key(item)
    const list = groups.get(k)
    if (list) list.push(item)
    else groups.set(k, [item])
  }
  return [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
}

/** Container names of the pod's state, sorted. */
export function containerNames(state: PodState): string[] {
  return Object.keys(state.containers).sort()
}
