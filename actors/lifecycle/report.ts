import type { SloConfig } from '../../config/slo-config.ts'
import {
  createTraceId,
  MILESTONES,
  type MilestoneName,
  type PodReport,
  type ReportDiagnosis,
  type ReportEvent,
  type ReportMilestone,
  type ReportSlo,
} from '../../protocol/pod-report.ts'
import { formatTime } from '../../protocol/time.ts'
import { containersStarted, createdMark, isBound, isPreassigned, scheduledMark } from './derived.ts'
import { diagnoseDelete } from './diagnose-delete.ts'
import { computePhases, computeSli } from './phases.ts'
import type { Mark, PodState } from './pod-state.ts'
import { createClock, deleteClock } from './slo.ts'

function milestone(m: Mark): ReportMilestone {
  const source = isBound(m) ? 'event-bound' : m.s
  return { time: formatTime(m.t, m.p), precision: m.p, source }
}

function iso(t: number | null): string | null {
  return t === null ? null : formatTime(t, 'us')
}

/** The milestones as reported, in lifecycle order, with derived ones filled in. */
export function reportMilestones(state: PodState): Partial<Record<MilestoneName, Mark>> {
  const out: Partial<Record<MilestoneName, Mark>> = {}
  const started = containersStarted(state)
  for (const name of MILESTONES) {
    const m =
      name === 'scheduled'
        ? scheduledMark(state)
        : name === 'containersStarted'
          ? started
          : name === 'created'
            ? createdMark(state)
            : state.ms[name]
    if (m) out[name] = m
  }
  return out
}

/**
 * Builds the PodReport v1 (LIFECYCLE §8) of a pod's current state. `diagnosis` is computed by the
 * caller (the diagnosis engine needs the verdict, which this only reads); the delete diagnosis is
 * computed here, at `now` (epoch µs; default the newest signal) for a delete still in flight.
 */
export function toReport(
  state: PodState,
  config: SloConfig,
  diagnosis: ReportDiagnosis | null,
  now: number = state.lastSignal,
): PodReport {
  const milestones: Partial<Record<MilestoneName, ReportMilestone>> = {}
  for (const [name, m] of Object.entries(reportMilestones(state)) as [MilestoneName, Mark][]) {
    milestones[name] = milestone(m)
  }
  const phases = computePhases(state)
  const c = createClock(state, config)
  const create: ReportSlo = {
    thresholdMs: c.thresholdMs,
    deadline: iso(c.deadline),
    result: state.slo.create.result,
    violatedAt: iso(state.slo.create.violatedAt),
  }
  let del: ReportSlo | null = null
  if (state.slo.delete) {
    const d = deleteClock(state, config)
    del = {
      thresholdMs: d.thresholdMs,
      deadline: iso(d.deadline),
      result: state.slo.delete.result,
      violatedAt: iso(state.slo.delete.violatedAt),
    }
  }
  const restarts = Object.values(state.containers).reduce((n, cs) => n + cs.restarts, 0)
  return {
    v: 1,
    uid: state.uid,
    namespace: state.namespace,
    name: state.name,
    node: state.facts.nodeName ?? null,
    owner: state.facts.owner ?? null,
    preassigned: isPreassigned(state),
    staticPod: state.facts.staticPod ?? false,
    milestones: milestones as PodReport['milestones'],
    phases,
    sli: computeSli(state, phases),
    restarts,
    slo: { create, delete: del },
    diagnosis,
    deleteDiagnosis: diagnoseDelete(state, config, now),
    traceId: createTraceId(state.uid),
    events: state.events.map(reportEvent),
  }
}

function reportEvent(e: PodState['events'][number]): ReportEvent {
  return {
    reason: e.reason,
    type: e.type,
    message: e.message,
    count: e.count,
    first: formatTime(e.first, e.firstP),
    last: formatTime(Math.max(e.last, e.first), 'us'),
    source: e.component,
    ...(e.fieldPath ? { fieldPath: e.fieldPath } : {}),
  }
}
