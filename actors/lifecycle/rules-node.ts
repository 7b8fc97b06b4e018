import { formatTime } from '../../protocol/time.ts'
import {
  conditionEvidence,
  eventEvidence,
  type Finding,
  finding,
  groupBy,
  markEvidence,
  oneLine,
  podProgressAfter,
  precisionOf,
  type RuleInput,
} from './diagnosis-finding.ts'
import {
  classifyVolume,
  EVICTION_REASONS,
  isKubeletRejection,
  NODE_LOST_REASONS,
  SANDBOX_REASONS,
  sandboxCause,
  VOLUME_REASONS,
} from './parse-kubelet.ts'
import type { EventRecord } from './pod-state.ts'

function phaseEvidence(input: RuleInput) {
  const phase = input.state.phase
  if (!phase) return null
  return {
    time: formatTime(phase.t, precisionOf(phase.t)),
    source: 'status',
    field: 'phase',
    reason: phase.reason ?? phase.value,
    message: phase.value,
  }
}

/** KubeletRejected, Evicted, NodeLost: what ends a pod from the node's side. */
function terminal(input: RuleInput): Finding[] {
  const out: Finding[] = []
  const { state } = input
  const add = (code: 'KubeletRejected' | 'Evicted' | 'NodeLost', summary: string, ev: Finding['evidence'][number], t: number, last: number, tie: string): void => {
    out.push(finding(code, { kind: 'hard', summary, evidence: [ev], first: t, at: last, tie, blocking: true, terminal: true }))
  }
  for (const ev of input.events) {
    const msg = oneLine(ev.message, 160)
    if (ev.component === 'kubelet' && isKubeletRejection(ev.reason)) {
      add('KubeletRejected', `the kubelet rejected the pod (${ev.reason}): ${msg}`, eventEvidence(ev), ev.first, ev.last, ev.uid)
    } else if (EVICTION_REASONS.has(ev.reason)) {
      add('Evicted', `evicted: ${msg}`, eventEvidence(ev), ev.first, ev.last, ev.uid)
    } else if (ev.reason === 'TaintManagerEviction' && /^Marking for deletion/i.test(ev.message)) {
      add('Evicted', `evicted by the taint manager (NoExecute taint on its node): ${msg}`, eventEvidence(ev), ev.first, ev.last, ev.uid)
    } else if (NODE_LOST_REASONS.has(ev.reason)) {
      add('NodeLost', `the pod's node was lost (${ev.reason}): ${msg}`, eventEvidence(ev), ev.first, ev.last, ev.uid)
    }
  }
  const phase = state.phase
  const pe = phaseEvidence(input)
  if (phase?.value === 'Failed' && phase.reason && pe) {
    if (isKubeletRejection(phase.reason)) {
      add('KubeletRejected', `the kubelet rejected the pod at admission (${phase.reason})`, pe, phase.t, phase.t, 'phase')
    } else if (EVICTION_REASONS.has(phase.reason)) {
      add('Evicted', `the kubelet evicted the pod (phase Failed, reason ${phase.reason})`, pe, phase.t, phase.t, 'phase')
    } else if (NODE_LOST_REASONS.has(phase.reason) || phase.reason === 'Terminated') {
      add('NodeLost', `the pod was terminated with its node (phase Failed, reason ${phase.reason})`, pe, phase.t, phase.t, 'phase')
    }
  }
  if (state.evicted) {
    add('Evicted', 'evicted through the eviction API (drain or descheduler)', markEvidence('evicted', state.evicted), state.evicted.t, state.evicted.t, 'evicted')
  }
  for (const type of ['DisruptionTarget', 'Ready']) {
    const cond = state.conditions[type]
    const ce = conditionEvidence(state, type)
    if (!cond?.reason || !ce) continue
    const active = type === 'DisruptionTarget' ? cond.status === 'true' : cond.status !== 'true'
    if (!active) continue
    if (type === 'DisruptionTarget' && EVICTION_REASONS.has(cond.reason)) {
      add('Evicted', `evicted (DisruptionTarget ${cond.reason})`, ce, cond.t, cond.t, `condition:${type}`)
    } else if (NODE_LOST_REASONS.has(cond.reason)) {
      add('NodeLost', `the pod's node was lost (${type} ${cond.reason})`, ce, cond.t, cond.t, `condition:${type}`)
    }
  }
  return out
}

/**
 * Volume failures, one finding per volume (newest event wins). `Unable to attach or mount volumes
 * … timed out` only restates other failures: it is evidence for them, and a finding of its own
 * only when nothing more specific was reported.
 */
function volumes(input: RuleInput): Finding[] {
  const evs = input.events.filter((ev) => VOLUME_REASONS.has(ev.reason))
  const parsed = evs.map((ev) => ({ ev, ...classifyVolume(ev.message) }))
  const specific = parsed.filter((p) => !p.wrapper)
  const wrappers = parsed.filter((p) => p.wrapper)
  const used = specific.length > 0 ? specific : wrappers
  const out: Finding[] = []
  for (const [key, group] of groupBy(used, (p) => `${p.code}:${p.volume ?? ''}`)) {
    const newest = group[group.length - 1]
    if (!newest) continue
    const { ev, code, volume } = newest
    const at = Math.max(...group.map((p) => p.ev.last))
    const first = Math.min(...group.map((p) => p.ev.first))
    const evidence = [...group.slice(-3).map((p) => eventEvidence(p.ev)), ...wrappers.slice(-1).map((p) => eventEvidence(p.ev))]
    const what = code === 'VolumeConfigMissing' ? 'a secret or configMap it mounts does not exist' : 'a volume could not be attached or mounted'
    out.push(
      finding(code, {
        kind: 'hard',
        summary: `${ev.reason}${volume ? ` for volume "${volume}"` : ''}: ${what} — ${oneLine(ev.message, 140)}`,
        evidence,
        first,
        at,
        tie: `${key}:${ev.uid}`,
        blocking: !input.state.ms.sandboxReady && !podProgressAfter(input, at),
      }),
    )
  }
  return out
}

function newestBy(evs: EventRecord[]): EventRecord | undefined {
  return evs[evs.length - 1]
}

/** Sandbox (CNI/IP) failures and a node whose runtime network is not ready. */
function sandbox(input: RuleInput): Finding[] {
  const out: Finding[] = []
  const failed = input.events.filter((ev) => SANDBOX_REASONS.has(ev.reason))
  const last = newestBy(failed)
  if (last) {
    const cause = sandboxCause(last.message)
    out.push(
      finding('SandboxFailed', {
        kind: 'hard',
        summary: `the pod sandbox could not be created (${last.reason}): ${oneLine(cause, 160)}`,
        detail: oneLine(cause, 1000),
        evidence: failed.slice(-3).map(eventEvidence),
        first: Math.min(...failed.map((ev) => ev.first)),
        at: last.last,
        tie: last.uid,
        blocking: !input.state.ms.sandboxReady && !podProgressAfter(input, last.last),
      }),
    )
  }
  const notReady = input.events.filter((ev) => ev.reason === 'NetworkNotReady')
  const nr = newestBy(notReady)
  if (nr) {
    out.push(
      finding('NetworkNotReady', {
        kind: 'hard',
        summary: `the node's container network is not ready: ${oneLine(nr.message.replace(/^network is not ready:\s*/, ''), 160)}`,
        evidence: notReady.slice(-3).map(eventEvidence),
        first: Math.min(...notReady.map((ev) => ev.first)),
        at: nr.last,
        tie: nr.uid,
        blocking: !input.state.ms.sandboxReady && !podProgressAfter(input, nr.last),
      }),
    )
  }
  return out
}

/** Node-side rules: kubelet admission, eviction, node loss, volumes, sandbox and network. */
export function nodeRules(input: RuleInput): Finding[] {
  return [...terminal(input), ...volumes(input), ...sandbox(input)]
}
