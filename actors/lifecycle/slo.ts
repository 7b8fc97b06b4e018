import { ignoresDeleteReason, isJudged, selectThresholds } from '../../config/select-slo.ts'
import type { SloConfig } from '../../config/slo-config.ts'
import type { Precision } from '../../protocol/time.ts'
import { createdMark, deleteMark, deliveryEnd, isJob, readinessUnobservable } from './derived.ts'
import {
  compareAt,
  type Instant,
  intervalEnd,
  type Mark,
  type PodState,
  type SloState,
} from './pod-state.ts'

/**
 * Whether an end met a deadline (LIFECYCLE §5). Both are intervals: the deadline has the
 * precision of the mark it counts from (a second-precision `created` makes it a whole second).
 * An end met its deadline unless it was surely after it ({@link compareAt}): a second-precision
 * Ready at 10:08:05 against a deadline of 10:08:05.3 is met, as is a µs end of 10:08:05.7 against
 * a deadline counted from a second-precision creation at 10:00:05 (+ 8 min). A verdict of `late`
 * accuses; it needs proof. Wherever inside its second a coarse time fell, the verdict is the same.
 */
export function metDeadline(end: Instant, deadline: Instant): boolean {
  return compareAt(end, deadline) <= 0
}

/**
 * When a deadline has surely passed on a µs clock: a µs deadline at itself (as before), a coarse
 * one at the end of its interval, so the `violated` alarm never fires before an end that would
 * still meet it.
 */
export function dueAt(deadline: Instant): number {
  return deadline.p === 'us' ? deadline.t : intervalEnd(deadline)
}

/** The thresholds that apply to this pod now (ms). */
export function thresholdsOf(state: PodState, config: SloConfig) {
  return selectThresholds(config, {
    namespace: state.namespace,
    labels: state.facts.labels ?? {},
    ownerKind: state.facts.owner?.kind ?? null,
    job: isJob(state),
  })
}

/**
 * Whether `ShouldIgnoreSinglePod` leaves this pod unjudged: the Pod object was seen (so its owner
 * is known) and it has no controller owner.
 */
export function notJudged(state: PodState, config: SloConfig): boolean {
  return state.seenObject && !isJudged(config, { ownerKind: state.facts.owner?.kind ?? null })
}

/** Deadlines of the create SLO, epoch µs, once `created` is known. */
export function createClock(state: PodState, config: SloConfig) {
  const th = thresholdsOf(state, config)
  const created = createdMark(state)
  const thresholdMs = state.slo.create.thresholdMs ?? th.createMs
  if (!created) return { thresholdMs, deadline: null, giveUp: null, p: 'us' as Precision }
  return {
    thresholdMs,
    deadline: created.t + thresholdMs * 1000,
    giveUp: created.t + th.giveUpMs * 1000,
    /** Precision of the deadlines: that of `created`. */
    p: created.p,
  }
}

/** Deadlines of the delete SLO, epoch µs, once a delete was requested. */
export function deleteClock(state: PodState, config: SloConfig) {
  const th = thresholdsOf(state, config)
  const requested = deleteMark(state)
  const thresholdMs = state.slo.delete?.thresholdMs ?? th.deleteMs
  if (!requested) return { thresholdMs, deadline: null, giveUp: null, p: 'us' as Precision }
  return {
    thresholdMs,
    deadline: requested.t + thresholdMs * 1000,
    giveUp: requested.t + th.giveUpMs * 1000,
    /** Precision of the deadlines: that of the delete request. */
    p: requested.p,
  }
}

type Outcome = { result: string; at: Mark }

/**
 * The earliest terminal fact of a delivery decides it. Facts are ordered as intervals
 * ({@link compareAt}): a second-precision delete at 10:00:05 and a failure at 10:00:05.4 are a
 * tie, and ties keep the candidate order: success, failed, evicted, killed.
 */
function terminalOutcome(state: PodState, deadline: Instant, config: SloConfig): Outcome | null {
  const candidates: Outcome[] = []
  const end = deliveryEnd(state)
  if (end) candidates.push({ result: metDeadline(end, deadline) ? 'success' : 'late', at: end })
  const failed = state.ms.failed
  if (failed) candidates.push({ result: 'failed', at: failed })
  if (state.evicted) candidates.push({ result: 'failed', at: state.evicted })
  const del = deleteMark(state)
  if (del && !readinessUnobservable(state)) {
    const keep = metDeadline(del, deadline) || ignoresDeleteReason(config, state.namespace)
    candidates.push({ result: keep ? 'killed' : 'failed', at: del })
  }
  let best: Outcome | null = null
  for (const c of candidates) if (!best || compareAt(c.at, best.at) < 0) best = c
  return best
}

/** What changed in the SLOs during one evaluation: the alert kinds to publish. */
export interface SloChange {
  slo: 'create' | 'delete'
  kind: 'violated' | 'failed' | 'late' | 'recovered' | 'timeout' | 'final'
  at: number
}

/**
 * Re-evaluates both SLOs at `now` (epoch µs) and records the transitions (LIFECYCLE §5). A final
 * verdict is frozen with its threshold; later signals still fold into the state and change it
 * only as {@link settle} says (reordered milestones, an end from before the give-up time).
 */
export function evaluateSlos(state: PodState, now: number, config: SloConfig): SloChange[] {
  return [...evaluateCreate(state, now, config), ...evaluateDelete(state, now, config)]
}

/**
 * A verdict decided by the pod's own milestones follows them when a reordered signal moves one
 * (a more precise `created` arriving after Ready): same facts, same verdict, whatever the order.
 * A give-up verdict only says no end was known by the give-up time: an end from before it that
 * arrives after the alarm (a collector listing Events before Pods, or Pods before Events)
 * replaces it, as if it had come first. Alerts already published stay as they were.
 */
function settle(state: PodState, config: SloConfig): void {
  const slo = state.slo.create
  if (slo.by === 'give-up') {
    reopenGiveUp(state, config)
    return
  }
  if (slo.by !== 'outcome') return
  const { deadline, p } = createClock(state, config)
  if (deadline === null) return
  const outcome = terminalOutcome(state, { t: deadline, p }, config)
  if (!outcome) return
  slo.result = outcome.result
  slo.violatedAt = metDeadline(outcome.at, { t: deadline, p }) ? null : deadline
}

/**
 * A give-up verdict whose pod turns out to have ended before the give-up time: the verdict the
 * end gives, on the threshold known now (the one frozen at give-up may predate the Pod object
 * that made it a job). Otherwise the give-up stands.
 */
function reopenGiveUp(state: PodState, config: SloConfig): void {
  const slo = state.slo.create
  const frozen = slo.thresholdMs
  slo.thresholdMs = null
  const { deadline, giveUp, p, thresholdMs } = createClock(state, config)
  const outcome = deadline === null ? null : terminalOutcome(state, { t: deadline, p }, config)
  if (
    deadline === null ||
    giveUp === null ||
    !outcome ||
    !metDeadline(outcome.at, { t: giveUp, p })
  ) {
    slo.thresholdMs = frozen
    return
  }
  slo.result = outcome.result
  slo.by = 'outcome'
  slo.thresholdMs = thresholdMs
  slo.violatedAt = metDeadline(outcome.at, { t: deadline, p }) ? null : deadline
}

function evaluateCreate(state: PodState, now: number, config: SloConfig): SloChange[] {
  const slo = state.slo.create
  if (slo.final) {
    settle(state, config)
    return []
  }
  if (notJudged(state, config)) {
    // Not judged: no verdict effect, no alert, no metric; the report says `ignored`.
    slo.result = 'ignored'
    slo.final = true
    return []
  }
  const changes: SloChange[] = []
  const finish = (result: string, at: number, by: NonNullable<SloState['by']>): void => {
    const wasViolated = slo.result === 'violated'
    slo.result = result
    slo.final = true
    slo.by = by
    slo.thresholdMs = createClock(state, config).thresholdMs
    changes.push({ slo: 'create', kind: 'final', at })
    if (result === 'failed') changes.push({ slo: 'create', kind: 'failed', at })
    if (result === 'late') {
      changes.push({ slo: 'create', kind: 'late', at })
      if (wasViolated) changes.push({ slo: 'create', kind: 'recovered', at })
    }
  }
  if (state.createFailure) {
    finish('failed', state.createFailure.t, 'rejected')
    return changes
  }
  const { deadline, giveUp, p } = createClock(state, config)
  if (deadline === null || giveUp === null) return changes
  const outcome = terminalOutcome(state, { t: deadline, p }, config)
  if (outcome) {
    slo.violatedAt = metDeadline(outcome.at, { t: deadline, p }) ? null : deadline
    finish(outcome.result, outcome.at.t, 'outcome')
    return changes
  }
  if (readinessUnobservable(state)) return changes
  if (now >= dueAt({ t: giveUp, p })) {
    slo.violatedAt ??= deadline
    finish('failed', giveUp, 'give-up')
  } else if (now >= dueAt({ t: deadline, p }) && slo.result !== 'violated') {
    slo.result = 'violated'
    slo.violatedAt = deadline
    changes.push({ slo: 'create', kind: 'violated', at: deadline })
  }
  return changes
}

function evaluateDelete(state: PodState, now: number, config: SloConfig): SloChange[] {
  const { deadline, giveUp, thresholdMs, p } = deleteClock(state, config)
  if (deadline === null || giveUp === null || notJudged(state, config)) return []
  if (!state.slo.delete) {
    state.slo.delete = { result: 'pending', thresholdMs: null, violatedAt: null, final: false }
  }
  const slo = state.slo.delete
  if (slo.final) return []
  const changes: SloChange[] = []
  const finish = (result: string, at: number): void => {
    slo.result = result
    slo.final = true
    slo.thresholdMs = thresholdMs
    changes.push({ slo: 'delete', kind: 'final', at })
    if (result === 'late' || result === 'timeout') changes.push({ slo: 'delete', kind: result, at })
  }
  const deleted = state.ms.deleted
  if (deleted && metDeadline(deleted, { t: giveUp, p })) {
    const met = metDeadline(deleted, { t: deadline, p })
    if (!met) slo.violatedAt ??= deadline
    finish(met ? 'success' : 'late', deleted.t)
  } else if (!state.seenObject) {
    // Known only from Events: the object's removal is never an Event, so no timeout is provable.
    return changes
  } else if (now >= dueAt({ t: giveUp, p })) {
    slo.violatedAt ??= deadline
    finish('timeout', giveUp)
  } else if (now >= dueAt({ t: deadline, p }) && slo.violatedAt === null) {
    slo.violatedAt = deadline
    changes.push({ slo: 'delete', kind: 'violated', at: deadline })
  }
  return changes
}

/** The next instant an SLO can change without a signal (deadline or give-up), or null. */
export function nextAlarm(state: PodState, config: SloConfig): number | null {
  const due: number[] = []
  if (!state.slo.create.final && !state.createFailure && !readinessUnobservable(state)) {
    const c = createClock(state, config)
    if (c.deadline !== null && c.giveUp !== null) {
      const next = state.slo.create.result === 'violated' ? c.giveUp : c.deadline
      due.push(dueAt({ t: next, p: c.p }))
    }
  }
  if (state.slo.delete && !state.slo.delete.final && state.seenObject) {
    const d = deleteClock(state, config)
    if (d.deadline !== null && d.giveUp !== null) {
      const next = state.slo.delete.violatedAt === null ? d.deadline : d.giveUp
      due.push(dueAt({ t: next, p: d.p }))
    }
  }
  return due.length === 0 ? null : Math.min(...due)
}

/** End of replay input: interim verdicts become `incomplete` (never counted as failures). */
export function closeSlos(state: PodState): void {
  if (!state.slo.create.final) state.slo.create.result = 'incomplete'
  if (state.slo.delete && !state.slo.delete.final) state.slo.delete.result = 'incomplete'
}
