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

type NodeCode = 'KubeletRejected' | 'Evicted' | 'NodeLost'
type Ev = Finding['evidence'][number]

/**
 * KubeletRejected, Evicted, NodeLost: what ends a pod from the node's side. A `NodeNotReady` event
 * or a Ready=False/NodeLost condition only blocks while the pod makes no progress; a rejection, an
 * eviction or a Failed phase ends the pod.
 */
function terminal(input: RuleInput): Finding[] {
  const out: Finding[] = []
  const { state } = input
  const add = (
    code: NodeCode,
    summary: string,
    evidence: Ev,
    t: number,
    at: number,
    tie: string,
    end = true,
  ): void => {
    const blocking = end || !podProgressAfter(input, at)
    out.push(
      finding(code, {
        kind: 'hard',
        summary,
        evidence: [evidence],
        first: t,
        at,
        tie,
        blocking,
        ...(end ? { terminal: true } : {}),
      }),
    )
  }
  for (const ev of input.events) {
    const msg = oneLine(ev.message, 160)
    const e = eventEvidence(ev)
    if (ev.component === 'kubelet' && isKubeletRejection(ev.reason)) {
      add(
        'KubeletRejected',
        `the kubelet rejected the pod (${ev.reason}): ${msg}`,
        e,
        ev.first,
        ev.last,
        ev.uid,
      )
    } else if (EVICTION_REASONS.has(ev.reason)) {
      add('Evicted', `evicted: ${msg}`, e, ev.first, ev.last, ev.uid)
    } else if (ev.reason === 'TaintManagerEviction' && /^Marking for deletion/i.test(ev.message)) {
      add(
        'Evicted',
        `evicted by the taint manager (a NoExecute taint on its node): ${msg}`,
        e,
        ev.first,
        ev.last,
        ev.uid,
      )
    } else if (NODE_LOST_REASONS.has(ev.reason)) {
      add(
        'NodeLost',
        `the pod's node was lost (${ev.reason}): ${msg}`,
        e,
        ev.first,
        ev.last,
        ev.uid,
        false,
      )
    }
  }
  const phase = state.phase
  const pe = phaseEvidence(input)
  if (phase?.value === 'Failed' && phase.reason && pe) {
    const r = phase.reason
    if (isKubeletRejection(r)) {
      add(
        'KubeletRejected',
        `the kubelet rejected the pod at admission (${r})`,
        pe,
        phase.t,
        phase.t,
        'phase',
      )
    } else if (EVICTION_REASONS.has(r)) {
      add(
        'Evicted',
        `the kubelet evicted the pod (phase Failed, reason ${r})`,
        pe,
        phase.t,
        phase.t,
        'phase',
      )
    } else if (NODE_LOST_REASONS.has(r) || r === 'Terminated') {
      add(
        'NodeLost',
        `the pod was terminated with its node (phase Failed, reason ${r})`,
        pe,
        phase.t,
        phase.t,
        'phase',
      )
    }
  }
  // `evicted` also comes from the kubelet's Evicted event, which the loop above already reported.
  const evictedEvent = input.events.some((ev) => ev.reason === 'Evicted')
  if (state.evicted && !evictedEvent) {
    const { t, s } = state.evicted
    const e = { ...markEvidence('evicted', state.evicted), source: s === 'audit' ? 'audit' : s }
    const how = s === 'audit' ? ' through the eviction API (drain, descheduler)' : ''
    add('Evicted', `evicted${how}`, e, t, t, 'evicted')
  }
  const target = state.conditions.DisruptionTarget
  const te = conditionEvidence(state, 'DisruptionTarget')
  if (target?.status === 'true' && target.reason && te) {
    if (EVICTION_REASONS.has(target.reason)) {
      add(
        'Evicted',
        `evicted (DisruptionTarget ${target.reason})`,
        te,
        target.t,
        target.t,
        'condition:DisruptionTarget',
      )
    } else if (NODE_LOST_REASONS.has(target.reason)) {
      add(
        'NodeLost',
        `the pod's node is gone (DisruptionTarget ${target.reason})`,
        te,
        target.t,
        target.t,
        'condition:DisruptionTarget',
      )
    }
  }
  const ready = state.conditions.Ready
  const re = conditionEvidence(state, 'Ready')
  if (
    ready &&
    ready.status !== 'true' &&
    ready.reason &&
    NODE_LOST_REASONS.has(ready.reason) &&
    re
  ) {
    add(
      'NodeLost',
      `the pod's node stopped reporting (Ready ${ready.status}, ${ready.reason})`,
      re,
      ready.t,
      ready.t,
      'condition:Ready',
      false,
    )
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
    const restated = used === specific ? wrappers.slice(-1) : []
    const evidence = [...group.slice(-3), ...restated].map((p) => eventEvidence(p.ev))
    const what =
      code === 'VolumeConfigMissing'
        ? 'a secret or configMap it mounts does not exist'
        : 'a volume could not be attached or mounted'
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
