import type { SloConfig } from '../../config/slo-config.ts'
import type { DiagnosisCode } from '../../protocol/diagnosis-codes.ts'
import type { Evidence, Owner, ReportDiagnosis } from '../../protocol/pod-report.ts'
import { formatTime } from '../../protocol/time.ts'
import { deleteMark, regularContainers } from './derived.ts'
import {
  conditionEvidence,
  eventEvidence,
  formatDuration,
  markEvidence,
} from './diagnosis-finding.ts'
import { NODE_LOST_REASONS } from './parse-kubelet.ts'
import { compareAt, type Instant, impliedPrecision, type Mark, type PodState } from './pod-state.ts'
import { deleteClock } from './slo.ts'

/** A delete cause and until when it held the pod (the latest blocker is the primary). */
interface DeleteFinding {
  code: DiagnosisCode
  owner: Owner
  summary: string
  detail?: string
  evidence: Evidence[]
  until: Instant
}

/** The order a deletion goes through: containers stop, the kubelet confirms, finalizers go. */
const STAGE: DiagnosisCode[] = [
  'DeleteBlocked.GracePeriod',
  'DeleteBlocked.KubeletUnconfirmed',
  'DeleteBlocked.Finalizer',
]
/** SIGKILL: what a container still running at the end of its grace period exits with. */
const SIGKILL_EXIT = 137
/** How long after the containers stopped a confirmation still counts as prompt. */
const PROMPT_US = 5_000_000
/** Kubernetes' own finalizers: their controllers are the platform's. */
const PLATFORM_FINALIZER = /(^|\.)(kubernetes\.io|k8s\.io)\//

const us = (t: number): Instant => ({ t, p: 'us' })
const when = (m: Instant): string => formatTime(m.t, m.p)

/**
 * Whether a delete SLO verdict gets a diagnosis: `late` and `timeout`, and a delete still in
 * flight past its deadline (the `violated` alert, a query, replay's `incomplete`).
 */
export function shouldDiagnoseDelete(state: PodState): boolean {
  const slo = state.slo.delete
  if (!slo) return false
  if (slo.result === 'late' || slo.result === 'timeout') return true
  return slo.result !== 'success' && slo.violatedAt !== null
}

/** When each container stopped after the request: its last termination not before it. */
function stops(state: PodState, requested: Mark) {
  const out: { name: string; t: Instant; reason: string; exitCode?: number }[] = []
  for (const [name, cs] of Object.entries(state.containers)) {
    const term = cs.lastTermination
    if (!term) continue
    const t = { t: term.t, p: term.p ?? impliedPrecision(term.t) }
    if (compareAt(t, requested) < 0) continue
    out.push({
      name,
      t,
      reason: term.reason,
      ...(term.exitCode !== undefined ? { exitCode: term.exitCode } : {}),
    })
  }
  return out
}

/** When all of the pod's containers had stopped (or its phase ended) after the request, if they did. */
function stoppedAt(state: PodState, requested: Mark, by: Instant): Instant | undefined {
  const list = stops(state, requested)
  const names = regularContainers(state)
  let last: Instant | undefined
  let all = names.length > 0
  for (const name of names) {
    const s = list.find((x) => x.name === name)
    if (!s || compareAt(s.t, by) > 0) all = false
    else if (!last || compareAt(s.t, last) > 0) last = s.t
  }
  if (all && last) return last
  const ph = state.phase
  if (ph && (ph.value === 'Succeeded' || ph.value === 'Failed')) {
    const t = { t: ph.t, p: ph.p ?? impliedPrecision(ph.t) }
    if (compareAt(t, requested) >= 0 && compareAt(t, by) <= 0) return t
  }
  return undefined
}

/** What the pod's own status and Events say about its node, for a kubelet that went quiet. */
function nodeState(state: PodState): { text: string; evidence: Evidence[] } {
  const lost = [...state.events].reverse().find((ev) => NODE_LOST_REASONS.has(ev.reason))
  if (lost) return { text: `its node was reported ${lost.reason}`, evidence: [eventEvidence(lost)] }
  const ready = state.conditions.Ready
  const re = conditionEvidence(state, 'Ready')
  if (ready && ready.status !== 'true' && ready.reason && NODE_LOST_REASONS.has(ready.reason) && re)
    return {
      text: `its node stopped reporting (Ready ${ready.status}, ${ready.reason})`,
      evidence: [re],
    }
  return { text: 'no sign of its node being lost: the kubelet may be stuck', evidence: [] }
}

function finalizerOwner(f: string): Owner {
  return PLATFORM_FINALIZER.test(f) ? 'platform' : 'user'
}

/** Finalizers the pod had, and when each was seen removed (µs), from its operations and facts. */
function finalizers(state: PodState): { name: string; removed?: number }[] {
  const names = new Set<string>(state.facts.finalizers ?? [])
  for (const op of Object.keys(state.ops)) {
    const m = /^finalizer:(.+):(add|delete)$/.exec(op)
    if (m?.[1]) names.add(m[1])
  }
  const present = new Set(state.facts.finalizers ?? [])
  return [...names].sort().map((name) => {
    const removed = state.ops[`finalizer:${name}:delete`]
    return present.has(name) || removed === undefined ? { name } : { name, removed }
  })
}

/**
 * Diagnoses a delete SLO verdict: the finalizer that stayed after the containers stopped, the
 * container that ignored SIGTERM until its grace period ended, the kubelet that never confirmed.
 * Every cause that matched is a finding; the primary is the one that held the pod longest (the
 * last blocker), ties in the order a deletion goes through. Nothing matched: `DeleteBlocked.Other`.
 */
export function diagnoseDelete(
  state: PodState,
  config: SloConfig,
  now: number,
): ReportDiagnosis | null {
  if (!shouldDiagnoseDelete(state)) return null
  const requested = deleteMark(state)
  const slo = state.slo.delete
  if (!requested || !slo) return null
  const clock = deleteClock(state, config)
  const deleted = state.ms.deleted
  const verdict: Instant =
    slo.result === 'late' && deleted
      ? deleted
      : slo.result === 'timeout' && clock.giveUp !== null
        ? // Counted from the request, the give-up time has the request's precision (its second).
          { t: clock.giveUp, p: clock.p }
        : us(now)
  const gone = deleted !== undefined && compareAt(deleted, verdict) <= 0
  const d = state.deletion ?? {}
  const out: DeleteFinding[] = []
  const reqEv = markEvidence('deleteRequested', requested)
  const grace = d.grace !== undefined ? `${d.grace}s grace period` : 'grace period'
  // Containers killed when the grace period ended, or still running inside a grace that outlasts the SLO.
  for (const s of stops(state, requested)) {
    if (s.exitCode !== SIGKILL_EXIT || s.reason === 'OOMKilled' || d.killAt === undefined) continue
    if (compareAt(s.t, us(d.killAt - 1_000_000)) < 0) continue
    out.push({
      code: 'DeleteBlocked.GracePeriod',
      owner: 'user',
      summary: `container ${s.name} ignored SIGTERM and was killed when its ${grace} ended (exit ${SIGKILL_EXIT}, ${formatDuration((s.t.t - requested.t) / 1000)} after the delete request)`,
      evidence: [
        reqEv,
        {
          time: when(s.t),
          source: 'status',
          field: `containers.${s.name}.lastTermination`,
          reason: s.reason,
          message: `exit code ${s.exitCode}`,
        },
      ],
      until: s.t,
    })
  }
  const stopped = stoppedAt(state, requested, verdict)
  const confirmed = d.confirmed && compareAt(d.confirmed, verdict) <= 0 ? d.confirmed : undefined
  if (!gone && !stopped && d.killAt !== undefined && compareAt(verdict, us(d.killAt)) < 0) {
    out.push({
      code: 'DeleteBlocked.GracePeriod',
      owner: 'user',
      summary: `still stopping inside its ${grace}: the kubelet kills what runs at ${formatTime(d.killAt, 'us')}, after the delete SLO`,
      evidence: [reqEv],
      until: verdict,
    })
  }
  const left = finalizers(state)
  const present = left.filter((f) => f.removed === undefined && !gone)
  const kubeletDue = d.killAt === undefined || compareAt(verdict, us(d.killAt)) >= 0
  const node = state.facts.nodeName ? `node ${state.facts.nodeName}` : 'its node'
  if (!gone && !confirmed && kubeletDue && (!stopped || present.length === 0)) {
    const ns = nodeState(state)
    out.push({
      code: 'DeleteBlocked.KubeletUnconfirmed',
      owner: 'platform',
      summary: `the kubelet on ${node} never confirmed the graceful delete (no final delete with grace 0)`,
      detail: `${node}: ${ns.text}`,
      evidence: [reqEv, ...ns.evidence],
      until: verdict,
    })
  }
  if (gone && deleted) {
    const forced = d.removedBy && !d.confirmed ? d.removedBy : undefined
    const slowConfirm =
      d.confirmed &&
      clock.deadline !== null &&
      compareAt(d.confirmed, { t: clock.deadline, p: clock.p }) > 0 &&
      (!stopped || d.confirmed.t - stopped.t > PROMPT_US)
    if (forced || slowConfirm) {
      const ns = nodeState(state)
      const how = forced
        ? `; ${forced.actor} removed it at ${when(forced.at)}`
        : `; it confirmed only at ${when(d.confirmed as Mark)}`
      out.push({
        code: 'DeleteBlocked.KubeletUnconfirmed',
        owner: 'platform',
        summary: `the kubelet on ${node} did not confirm the graceful delete in time${how}`,
        detail: `${node}: ${ns.text}`,
        evidence: [reqEv, ...ns.evidence],
        until: forced ? forced.at : (d.confirmed as Mark),
      })
    }
  }
  const after = stopped ?? confirmed
  for (const f of left) {
    const removed = f.removed !== undefined ? us(f.removed) : undefined
    if (removed && compareAt(removed, requested) <= 0) continue
    if (!removed && gone) continue
    const until = removed ?? verdict
    // Blocking only once the containers were done; before that it rides along as a finding.
    const held = after !== undefined && compareAt(until, after) > 0
    out.push({
      code: 'DeleteBlocked.Finalizer',
      owner: finalizerOwner(f.name),
      summary: removed
        ? `finalizer ${f.name} stayed until ${when(removed)}, after the containers had stopped`
        : `finalizer ${f.name} never went: the containers ${after ? 'had stopped' : 'are still stopping'} but it is still on the pod`,
      detail: `finalizer: ${f.name}`,
      evidence: [
        reqEv,
        {
          time: when(removed ?? requested),
          source: removed ? 'audit' : 'facts',
          field: 'metadata.finalizers',
          reason: f.name,
        },
      ],
      until: held ? until : requested,
    })
  }
  out.sort(
    (a, b) =>
      compareAt(b.until, a.until) ||
      STAGE.indexOf(a.code) - STAGE.indexOf(b.code) ||
      (a.summary < b.summary ? -1 : 1),
  )
  const chosen = out[0] ?? {
    code: 'DeleteBlocked.Other' as const,
    owner: 'unknown' as const,
    summary: `delete ${slo.result === 'timeout' ? 'timed out' : 'ran past its SLO'} and no delete cause matched`,
    evidence: [reqEv],
    until: verdict,
  }
  const findings: string[] = []
  for (const f of [chosen, ...out]) if (!findings.includes(f.code)) findings.push(f.code)
  const also = out
    .slice(1)
    .filter((f) => f.code !== chosen.code)
    .map((f) => `also ${f.code}: ${f.summary}`)
  const detail = [chosen.detail, ...also].filter((x) => x !== undefined).join(' | ')
  return {
    code: chosen.code,
    owner: chosen.owner,
    phase: 'delete',
    summary: chosen.summary,
    ...(detail !== '' ? { detail } : {}),
    evidence: chosen.evidence,
    findings,
  }
}
