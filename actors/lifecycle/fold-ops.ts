import type { PodFacts, PodOp, PodSignal } from '../../protocol/pod-signal.ts'
import { foldDelete } from './fold-delete.ts'
import {
  better,
  type ContainerState,
  entry,
  type Mark,
  offer,
  type PodState,
  supersedes,
} from './pod-state.ts'

function container(state: PodState, op: PodOp): ContainerState | null {
  if (!op.container) return null
  const init = op.init ?? state.facts.initContainers?.some((c) => c.name === op.container) ?? false
  return entry(state.containers, op.container, () => ({ init, restarts: 0 }))
}

/** Merges facts: later signals fill in what earlier ones lacked; lists are replaced whole. */
export function mergeFacts(state: PodState, facts: PodFacts | undefined, at: Mark): void {
  if (!facts) return
  for (const [key, value] of Object.entries(facts) as [keyof PodFacts, unknown][]) {
    if (value === undefined) continue
    if (key === 'nodeName' && state.facts.nodeName) continue
    ;(state.facts as Record<string, unknown>)[key] = value
  }
  if (facts.creationTimestamp !== undefined) {
    offer(state, 'created', { t: facts.creationTimestamp, p: 's', s: at.s })
  }
  if (facts.staticPod) delete state.ms.scheduled
}

function condition(state: PodState, op: PodOp, type: string, status: string, at: Mark): void {
  const prev = state.conditions[type]
  if (supersedes(at, prev)) {
    state.conditions[type] = {
      status,
      t: at.t,
      p: at.p,
      ...(op.reason ? { reason: op.reason } : {}),
      ...(op.message ? { message: op.message } : {}),
    }
  }
  if (status !== 'true') {
    if (type === 'PodScheduled' && op.reason === 'Unschedulable') {
      offer(state, 'firstScheduleFailure', at)
    }
    return
  }
  switch (type) {
    case 'PodScheduled':
      if (!state.facts.staticPod) offer(state, 'scheduled', at)
      break
    case 'Initialized':
      offer(state, 'initialized', at)
      break
    case 'PodReadyToStartContainers':
      // KEP-3085: the kubelet's own end of sandbox and network setup.
      offer(state, 'sandboxReady', at)
      break
    case 'ContainersReady':
      offer(state, 'containersReady', at)
      break
    case 'Ready':
      // After a give-up verdict too: a Ready from before the give-up time (reordered) settles it.
      if (!state.slo.create.final || state.slo.create.by === 'give-up') offer(state, 'ready', at)
      // A ready pod is running: Ready is an upper bound for a snapshot's untimed phase.
      offer(state, 'running', at)
      break
    default:
      break
  }
}

function phase(state: PodState, op: PodOp, value: string, at: Mark): void {
  if (supersedes(at, state.phase)) {
    state.phase = { value, t: at.t, p: at.p, ...(op.reason ? { reason: op.reason } : {}) }
  }
  if (value === 'Running') offer(state, 'running', at)
  if (value === 'Succeeded') offer(state, 'succeeded', at)
  if (value === 'Failed') offer(state, 'failed', at)
}

function containerOp(state: PodState, op: PodOp, parts: string[], at: Mark): void {
  const cs = container(state, op)
  if (!cs) return
  const kind = parts[0]
  const what = parts[2] ?? ''
  if (kind === 'containerState' || kind === 'containerLastState') {
    if (what === 'Running') {
      if (better(at, cs.started)) cs.started = at
      // A running container proves its sandbox existed by then (an upper bound, like Started).
      if (kind === 'containerState') offer(state, 'sandboxReady', at)
    } else if (what === 'Waiting') {
      if (supersedes(at, cs.waiting)) {
        cs.waiting = { reason: op.reason ?? parts[3] ?? '', t: at.t, p: at.p }
        if (op.message) cs.waiting.message = op.message
      }
    } else if (what === 'terminated') {
      if (supersedes(at, cs.lastTermination)) {
        cs.lastTermination = { reason: op.reason ?? '', t: at.t, p: at.p }
        if (op.exitCode !== undefined) cs.lastTermination.exitCode = op.exitCode
      }
    }
  } else if (kind === 'containerReady') {
    cs.ready = what === 'true'
  } else if (kind === 'containerRestartCount') {
    cs.restarts = Math.max(cs.restarts, op.count ?? (Number(what) || 0))
  }
}

/**
 * Folds one operation (LIFECYCLE §2) into the state at the signal's time. Unknown operations are
 * kept in `ops` (span config can match them) and otherwise ignored.
 */
export function foldOp(state: PodState, sig: PodSignal, op: PodOp): void {
  const at: Mark = { t: sig.time, p: sig.precision, s: sig.source }
  const prev = state.ops[op.op]
  if (prev === undefined || sig.time < prev) state.ops[op.op] = sig.time
  const parts = op.op.split(':')
  const head = parts[0]
  if (head === 'condition' && parts[1] && parts[2]) {
    condition(state, op, parts[1], parts[2].toLowerCase(), at)
    return
  }
  if (head === 'phase' && parts[1]) {
    phase(state, op, parts[1], at)
    return
  }
  if (head?.startsWith('container')) {
    containerOp(state, op, parts, at)
    return
  }
  switch (op.op) {
    case 'pod:create:success':
      offer(state, 'created', at)
      // Only the create response shows whether spec.nodeName was preset (no scheduler involved).
      if (sig.source === 'audit' && sig.facts?.nodeName)
        state.ops['schedule:preassigned'] = sig.time
      break
    case 'owner:pod:created':
      offer(state, 'created', at)
      break
    case 'pod:create:failed':
      if (!state.createFailure) {
        state.createFailure = { code: op.code ?? 0, t: sig.time }
        if (op.reason) state.createFailure.reason = op.reason
        if (op.message) state.createFailure.message = op.message
      }
      break
    case 'schedule:binding:success':
      state.bound = true
      if (op.node && !state.facts.nodeName) state.facts.nodeName = op.node
      if (!state.facts.staticPod) offer(state, 'scheduled', at)
      break
    case 'pod:kubelet:accepted':
      offer(state, 'kubeletAccepted', at)
      break
    case 'pod:ip:set':
      offer(state, 'sandboxReady', at)
      break
    case 'pod:delete:success':
      offer(state, 'deleteRequested', at)
      foldDelete(state, sig, op)
      break
    case 'owner:pod:deleted':
      offer(state, 'deleteRequested', at)
      break
    case 'pod:deleted:success':
      offer(state, 'deleteRequested', at)
      offer(state, 'deleted', at)
      foldDelete(state, sig, op)
      break
    case 'pod:evicted':
      if (better(at, state.evicted ?? undefined)) state.evicted = at
      break
    default:
      break
  }
}

/** A status write by the kubelet (`system:node:*`) proves it accepted the pod. */
export function foldActor(state: PodState, sig: PodSignal): void {
  if (sig.source === 'audit' && sig.actor?.startsWith('system:node:')) {
    const writesStatus = sig.ops.some(
      (o) => o.op.startsWith('condition:') || o.op.startsWith('phase:'),
    )
    if (writesStatus) offer(state, 'kubeletAccepted', { t: sig.time, p: sig.precision, s: 'audit' })
  }
}
