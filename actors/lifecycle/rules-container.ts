import type { Evidence } from '../../protocol/pod-report.ts'
import { formatTime } from '../../protocol/time.ts'
import { isSidecar } from './derived.ts'
import {
  containerNames,
  containerOf,
  containerProgressAfter,
  eventEvidence,
  type Finding,
  finding,
  GOT_PAST,
  groupBy,
  isInit,
  oneLine,
  precisionOf,
  type RuleInput,
} from './diagnosis-finding.ts'
import {
  type ContainerCode,
  classifyContainerError,
  RESTART_BACKOFF,
  START_TERMINATIONS,
  WAITING_CODES,
} from './parse-kubelet.ts'
import type { PodState } from './pod-state.ts'
import { restartedAfterFailure } from './status-trouble.ts'

interface Observation {
  code: ContainerCode
  container: string
  text: string
  first: number
  at: number
  tie: string
  evidence: Evidence
}

function waitingEvidence(state: PodState, name: string): Evidence | null {
  const w = state.containers[name]?.waiting
  if (!w) return null
  return {
    time: formatTime(w.t, precisionOf(w.t)),
    source: 'container',
    field: `containers.${name}.waiting`,
    reason: w.reason,
    ...(w.message ? { message: oneLine(w.message, 500) } : {}),
  }
}

/** The container's last termination as evidence, or null. */
function terminationEvidence(state: PodState, name: string): Evidence | null {
  const t = state.containers[name]?.lastTermination
  if (!t) return null
  return {
    time: formatTime(t.t, precisionOf(t.t)),
    source: 'container',
    field: `containers.${name}.lastTermination`,
    reason: t.reason,
    ...(t.exitCode !== undefined ? { message: `exit code ${t.exitCode}` } : {}),
  }
}

/** `Error (exit code 1)`, or null when no termination was seen. */
function lastExit(state: PodState, name: string): string | null {
  const t = state.containers[name]?.lastTermination
  if (!t) return null
  const reason = t.reason || 'terminated'
  return t.exitCode !== undefined ? `${reason} (exit code ${t.exitCode})` : reason
}

function observations(input: RuleInput): Observation[] {
  const out: Observation[] = []
  for (const ev of input.events) {
    if (ev.reason !== 'Failed') continue
    const code = classifyContainerError(ev.message)
    const c = containerOf(ev)
    if (!code || !c) continue
    const text = ev.message.replace(/^Error:\s*/, '')
    out.push({
      code,
      container: c.name,
      text,
      first: ev.first,
      at: ev.last,
      tie: ev.uid,
      evidence: eventEvidence(ev),
    })
  }
  for (const name of containerNames(input.state)) {
    const cs = input.state.containers[name]
    const code = cs?.waiting ? WAITING_CODES[cs.waiting.reason] : undefined
    const we = waitingEvidence(input.state, name)
    if (
      cs?.waiting &&
      we &&
      (code === 'ContainerConfigError' ||
        code === 'ContainerCreateFailed' ||
        code === 'ContainerStartFailed')
    ) {
      const text = cs.waiting.message ?? cs.waiting.reason
      out.push({
        code,
        container: name,
        text,
        first: cs.waiting.t,
        at: cs.waiting.t,
        tie: `waiting:${name}`,
        evidence: we,
      })
    }
    const term = cs?.lastTermination
    const te = terminationEvidence(input.state, name)
    if (term && te && START_TERMINATIONS.has(term.reason)) {
      const text = `${term.reason}${term.exitCode !== undefined ? ` (exit code ${term.exitCode})` : ''}`
      out.push({
        code: 'ContainerStartFailed',
        container: name,
        text,
        first: term.t,
        at: term.t,
        tie: `terminated:${name}`,
        evidence: te,
      })
    }
  }
  return out
}

const WHAT: Record<ContainerCode, string> = {
  ContainerConfigError: 'cannot be configured',
  ContainerCreateFailed: 'could not be created by the runtime',
  ContainerStartFailed: 'could not start',
}

/** Config, create and start errors, one finding per container and code (newest wins). */
function createStart(input: RuleInput): Finding[] {
  const out: Finding[] = []
  for (const [, obs] of groupBy(observations(input), (o) => `${o.container}\u0000${o.code}`)) {
    obs.sort((a, b) => a.at - b.at || (a.tie < b.tie ? -1 : 1))
    const newest = obs[obs.length - 1]
    if (!newest) continue
    const past = newest.code === 'ContainerStartFailed' ? GOT_PAST.start : GOT_PAST.create
    out.push(
      finding(newest.code, {
        kind: 'hard',
        summary: `container ${newest.container} ${WHAT[newest.code]}: ${oneLine(newest.text, 160)}`,
        evidence: obs.slice(-3).map((o) => o.evidence),
        first: Math.min(...obs.map((o) => o.first)),
        at: newest.at,
        tie: `${newest.container}:${newest.tie}`,
        blocking: !containerProgressAfter(input, newest.container, newest.at, past),
      }),
    )
  }
  return out
}

/** `Back-off restarting failed container` and CrashLoopBackOff waiting states; init containers → InitContainerFailed. */
function crashLoops(input: RuleInput): Finding[] {
  const { state } = input
  const byContainer = new Map<
    string,
    { first: number; at: number; tie: string; evidence: Evidence[] }
  >()
  const note = (name: string, first: number, at: number, tie: string, ev: Evidence): void => {
    const known = byContainer.get(name)
    if (!known) {
      byContainer.set(name, { first, at, tie, evidence: [ev] })
      return
    }
    known.first = Math.min(known.first, first)
    if (at > known.at) {
      known.at = at
      known.tie = tie
    }
    known.evidence.push(ev)
  }
  const initByEvent = new Set<string>()
  for (const ev of input.events) {
    if (ev.reason !== 'BackOff') continue
    const m = RESTART_BACKOFF.exec(ev.message)
    const c = containerOf(ev)
    const name = c?.name ?? m?.[1]
    if (!m || !name) continue
    if (c?.init && !isSidecar(state, name)) initByEvent.add(name)
    note(name, ev.first, ev.last, ev.uid, eventEvidence(ev))
  }
  for (const name of containerNames(state)) {
    const w = state.containers[name]?.waiting
    const we = waitingEvidence(state, name)
    if (w?.reason === 'CrashLoopBackOff' && we) note(name, w.t, w.t, `waiting:${name}`, we)
    // From status alone (Events lost): restarted after a failed termination (an OOM kill has a
    // code of its own, OOMKilled).
    const cs = state.containers[name]
    const te = terminationEvidence(state, name)
    if (cs?.lastTermination && te && restartedAfterFailure(cs)) {
      if (cs.lastTermination.reason === 'OOMKilled') continue
      const t = cs.lastTermination.t
      note(name, t, t, `terminated:${name}`, te)
    }
  }
  const out: Finding[] = []
  for (const name of [...byContainer.keys()].sort()) {
    const seen = byContainer.get(name)
    if (!seen) continue
    const cs = state.containers[name]
    const exit = lastExit(state, name)
    const restarts = cs?.restarts ?? 0
    const te = terminationEvidence(state, name)
    const init = isInit(state, name) || initByEvent.has(name)
    const facts = [exit ? `last exit ${exit}` : null, restarts > 0 ? `${restarts} restarts` : null]
      .filter(Boolean)
      .join(', ')
    out.push(
      finding(init ? 'InitContainerFailed' : 'CrashLoopBackOff', {
        kind: 'hard',
        summary: `${init ? 'init container' : 'container'} ${name} is crash-looping${facts ? `: ${facts}` : ''}`,
        ...(exit ? { detail: `last termination: ${exit}; restarts: ${restarts}` } : {}),
        evidence: [
          ...seen.evidence.slice(-3),
          ...(te && !seen.evidence.some((e) => e.field === te.field) ? [te] : []),
        ],
        first: seen.first,
        at: seen.at,
        tie: `${name}:${seen.tie}`,
        blocking: init ? !state.ms.initialized : cs?.ready !== true,
      }),
    )
  }
  return out
}

/** OOMKilled last terminations, and init containers that exited non-zero. */
function terminations(input: RuleInput): Finding[] {
  const { state } = input
  const out: Finding[] = []
  for (const name of containerNames(state)) {
    const cs = state.containers[name]
    const term = cs?.lastTermination
    const te = terminationEvidence(state, name)
    if (!cs || !term || !te) continue
    const init = isInit(state, name)
    if (term.reason === 'OOMKilled') {
      out.push(
        finding('OOMKilled', {
          kind: 'hard',
          summary: `${init ? 'init container' : 'container'} ${name} was OOMKilled (exit code ${term.exitCode ?? 137}) — raise its memory limit or reduce its usage`,
          evidence: [te],
          first: term.t,
          at: term.t,
          tie: name,
          blocking: init ? !state.ms.initialized : cs.ready !== true,
        }),
      )
    }
    const failed = term.exitCode !== undefined ? term.exitCode !== 0 : term.reason !== 'Completed'
    if (init && failed && !START_TERMINATIONS.has(term.reason)) {
      out.push(
        finding('InitContainerFailed', {
          kind: 'hard',
          summary: `init container ${name} failed: ${lastExit(state, name)}${cs.restarts > 0 ? `, ${cs.restarts} restarts` : ''}`,
          evidence: [te],
          first: term.t,
          at: term.t,
          tie: name,
          blocking: !state.ms.initialized,
        }),
      )
    }
  }
  return out
}

/** Container create/start rules, crash loops, OOM kills and init container failures. */
export function containerRules(input: RuleInput): Finding[] {
  return [...createStart(input), ...crashLoops(input), ...terminations(input)]
}
