import {
  conditionEvidence,
  containerOf,
  eventEvidence,
  type Finding,
  finding,
  groupBy,
  oneLine,
  type RuleInput,
} from './diagnosis-finding.ts'
import { type ProbeFailure, parseProbe } from './parse-kubelet.ts'
import type { EventRecord } from './pod-state.ts'

/** Reasons of probe failure events: `Unhealthy` (all kubelets) and `ProbeError` (1.21+, with the body). */
const PROBE_REASONS = new Set(['Unhealthy', 'ProbeError'])

interface Observation {
  probe: ProbeFailure
  container: string
  ev: EventRecord
}

/**
 * Probe failures per container and probe kind: readiness → ReadinessProbeFailing; startup and
 * liveness (they restart the container) → StartupProbeFailing. A failure blocks while the
 * container is not known to be ready.
 */
export function probeRules(input: RuleInput): Finding[] {
  const obs: Observation[] = []
  for (const ev of input.events) {
    if (!PROBE_REASONS.has(ev.reason)) continue
    const probe = parseProbe(ev.message)
    if (probe) obs.push({ probe, container: containerOf(ev)?.name ?? '', ev })
  }
  const out: Finding[] = []
  const key = (o: Observation) => `${o.container}\u0000${o.probe.kind === 'Readiness' ? 'R' : 'S'}`
  for (const [, list] of groupBy(obs, key)) {
    const newest = list[list.length - 1]
    if (!newest) continue
    const { probe, container } = newest
    const readiness = probe.kind === 'Readiness'
    // Unhealthy and ProbeError report the same failure twice on 1.21+ kubelets: count one reason.
    const counted = list.filter((o) => o.ev.reason === 'Unhealthy')
    const failures = (counted.length > 0 ? counted : list).reduce((n, o) => n + o.ev.count, 0)
    const kinds = [...new Set(list.map((o) => o.probe.kind.toLowerCase()))].join('/')
    const who = container ? `container ${container}` : 'a container'
    const blocking = input.state.containers[container]?.ready !== true && !input.delivered
    const what = readiness
      ? blocking
        ? 'keeps the pod from becoming ready'
        : 'held back readiness'
      : 'restarts the container'
    const text = probe.text === '' ? '(no output)' : oneLine(probe.text, 140)
    const cond = readiness ? conditionEvidence(input.state, 'ContainersReady') : null
    out.push(
      finding(readiness ? 'ReadinessProbeFailing' : 'StartupProbeFailing', {
        kind: 'hard',
        summary: `${kinds} probe of ${who} failing (${failures}x) and ${what}: ${text}`,
        evidence: [
          ...list.slice(-3).map((o) => eventEvidence(o.ev)),
          ...(cond && input.state.conditions.ContainersReady?.status !== 'true' ? [cond] : []),
        ],
        first: Math.min(...list.map((o) => o.ev.first)),
        at: newest.ev.last,
        tie: `${container}:${newest.ev.uid}`,
        blocking,
      }),
    )
  }
  return out
}
