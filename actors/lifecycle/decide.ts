import type { SloConfig } from '../../config/slo-config.ts'
import type { AlertKind, SloAlert } from '../../protocol/alert.ts'
import type { ReportDiagnosis } from '../../protocol/pod-report.ts'
import type { PodSignal } from '../../protocol/pod-signal.ts'
import { formatTime } from '../../protocol/time.ts'
import { diagnoseDelete } from './diagnose-delete.ts'
import { foldEvent } from './fold-event.ts'
import { foldActor, foldOp, mergeFacts } from './fold-ops.ts'
import { computePhases, computeSli } from './phases.ts'
import { isTerminal, type PodState, SEEN_WINDOW } from './pod-state.ts'
import { createClock, deleteClock, evaluateSlos, nextAlarm, type SloChange } from './slo.ts'

/** The host asks an actor to re-check its SLO clocks (its alarm is due). */
export interface AlarmTick {
  readonly kind: 'alarm'
}

/** What an actor is fed: a signal about its pod, or its alarm. */
export type ActorInput = PodSignal | AlarmTick

/** Side effects as data; the runtime executes them after the state is persisted. */
export type Effect =
  | { type: 'persist'; terminal: boolean }
  | { type: 'alarm'; at: number | null }
  | { type: 'alert'; alert: SloAlert }
  | { type: 'trace'; action: 'PodCreate' | 'PodDelete'; id: string }
  /** An SLO reached its final verdict at `at` (epoch µs): index it, roll it up. */
  | { type: 'verdict'; slo: 'create' | 'delete'; result: string; at: number; code: string | null }
  | { type: 'metric'; name: string; labels: Record<string, string>; value: number }

/** Diagnosis hook: what blocks (or blocked) the pod, for alerts and reports. */
export type Diagnose = (state: PodState, now: number, result: string) => ReportDiagnosis | null

export interface Decision {
  state: PodState
  effects: Effect[]
}

export interface DeciderOptions {
  config: SloConfig
  diagnose?: Diagnose
  /**
   * Fold into the given state instead of a copy. Only for an owner that discards the previous
   * state anyway (the actor runtime); saves a deep copy per signal.
   */
  inPlace?: boolean
}

const ALERT_KINDS = new Set<string>(['violated', 'failed', 'late', 'recovered', 'timeout'])

function isAlarm(input: ActorInput): input is AlarmTick {
  return (input as AlarmTick).kind === 'alarm'
}

/**
 * Builds the pure transition `decide(state, input, now) → { state, effects }` for a config.
 * `now` is epoch µs: the wall clock live, the signal watermark in replay. The input state is not
 * modified; the returned state is a new object.
 */
export function createDecider({ config, diagnose = () => null, inPlace = false }: DeciderOptions) {
  function alertFor(state: PodState, change: SloChange, now: number): SloAlert {
    const clock = change.slo === 'create' ? createClock(state, config) : deleteClock(state, config)
    const slo = change.slo === 'create' ? state.slo.create : state.slo.delete
    const result = slo?.result ?? 'pending'
    const kind = change.kind as AlertKind
    return {
      v: 1,
      id: `${state.uid}:${change.slo}:${kind}`,
      kind,
      slo: change.slo,
      uid: state.uid,
      namespace: state.namespace,
      name: state.name,
      at: formatTime(change.at, 'us'),
      deadline: clock.deadline === null ? null : formatTime(clock.deadline, 'us'),
      thresholdMs: clock.thresholdMs,
      result,
      diagnosis:
        change.slo === 'create' ? diagnose(state, now, result) : diagnoseDelete(state, config, now),
    }
  }

  function metricsFor(state: PodState, change: SloChange, now: number): Effect[] {
    const ns = state.namespace
    if (change.kind === 'violated') {
      const found =
        change.slo === 'create'
          ? diagnose(state, now, 'violated')
          : diagnoseDelete(state, config, now)
      const code = found?.code ?? 'Unknown'
      const labels = { namespace: ns, slo: change.slo, code }
      return [{ type: 'metric', name: 'lunettes_slo_violations_total', labels, value: 1 }]
    }
    if (change.kind !== 'final') return []
    const slo = change.slo === 'create' ? state.slo.create : state.slo.delete
    const result = slo?.result ?? 'pending'
    const found =
      change.slo === 'create' ? diagnose(state, now, result) : diagnoseDelete(state, config, now)
    const code = found?.code ?? 'none'
    const out: Effect[] = [
      {
        type: 'metric',
        name: 'lunettes_slo_results_total',
        labels: { namespace: ns, slo: change.slo, result, code },
        value: 1,
      },
    ]
    const phases = computePhases(state)
    const sli = computeSli(state, phases)
    if (change.slo === 'delete') {
      if (sli.deleteMs !== null) {
        const labels = { namespace: ns, result }
        out.push({
          type: 'metric',
          name: 'lunettes_pod_delete_seconds',
          labels,
          value: sli.deleteMs / 1000,
        })
      }
      return out
    }
    if (sli.deliveryMs !== null) {
      const labels = { namespace: ns, result }
      out.push({
        type: 'metric',
        name: 'lunettes_pod_delivery_seconds',
        labels,
        value: sli.deliveryMs / 1000,
      })
    }
    if (sli.startupMs !== null && sli.startupEligible) {
      const labels = { namespace: ns }
      out.push({
        type: 'metric',
        name: 'lunettes_pod_startup_sli_seconds',
        labels,
        value: sli.startupMs / 1000,
      })
    }
    for (const [phase, ms] of Object.entries(phases)) {
      if (ms === null) continue
      out.push({
        type: 'metric',
        name: 'lunettes_pod_phase_seconds',
        labels: { phase },
        value: ms / 1000,
      })
    }
    return out
  }

  return function decide(prev: PodState, input: ActorInput, now: number): Decision {
    if (!isAlarm(input) && prev.seen.lastIndexOf(input.id) !== -1)
      return { state: prev, effects: [] }
    const state = inPlace ? prev : structuredClone(prev)
    if (!isAlarm(input)) {
      const sig = input
      state.seen.push(sig.id)
      if (state.seen.length > SEEN_WINDOW) state.seen.splice(0, state.seen.length - SEEN_WINDOW)
      state.lastSignal = Math.max(state.lastSignal, sig.time)
      if (sig.source !== 'event') state.seenObject = true
      mergeFacts(state, sig.facts, { t: sig.time, p: sig.precision, s: sig.source })
      for (const op of sig.ops) foldOp(state, sig, op)
      foldActor(state, sig)
      if (sig.event) foldEvent(state, sig, sig.event)
    }
    const effects: Effect[] = []
    // Deadlines and give-up are judged only when the alarm fires, never while signals stream in:
    // a backlog (a watch's initial list, a catching-up consumer) must land before the clock judges.
    const clock = isAlarm(input) ? now : Number.NEGATIVE_INFINITY
    for (const change of evaluateSlos(state, clock, config)) {
      if (ALERT_KINDS.has(change.kind)) {
        const alert = alertFor(state, change, now)
        if (!state.alerted.includes(alert.id)) {
          state.alerted.push(alert.id)
          effects.push({ type: 'alert', alert })
        }
      }
      if (change.kind === 'final') {
        const action = change.slo === 'create' ? 'PodCreate' : 'PodDelete'
        const slo = change.slo === 'create' ? state.slo.create : state.slo.delete
        const result = slo?.result ?? 'pending'
        const found =
          change.slo === 'create'
            ? diagnose(state, now, result)
            : diagnoseDelete(state, config, now)
        const code = found?.code ?? null
        effects.push({ type: 'verdict', slo: change.slo, result, at: change.at, code })
        effects.push({ type: 'trace', action, id: `${state.uid}:${action}` })
      }
      effects.push(...metricsFor(state, change, now))
    }
    const alarm = nextAlarm(state, config)
    if (alarm !== state.alarm) {
      state.alarm = alarm
      effects.push({ type: 'alarm', at: alarm })
    }
    effects.unshift({ type: 'persist', terminal: isTerminal(state) })
    return { state, effects }
  }
}

/** The decide function's type, for the runtime and tests. */
export type Decide = ReturnType<typeof createDecider>
