import type { TimedRecord } from './audit-records.ts'
import { noiseRecord } from './noise.ts'
import { PodSim } from './pod-sim.ts'
import { pick, rng, uuid } from './rand.ts'
import { DEFAULT_MIX, type Outcome, play } from './scenarios.ts'

/** What `generateAudit` simulates. */
export interface LoadgenOptions {
  readonly pods: number
  readonly seed?: number
  /** First creation, epoch ms (default 2024-06-01T08:00:00Z). */
  readonly startMs?: number
  /** Mean gap between pod creations, ms (default 200). */
  readonly spacingMs?: number
  /** Share of the audit volume that is noise (default 0.7). */
  readonly noise?: number
  readonly namespaces?: number
  readonly nodes?: number
  readonly mix?: readonly (readonly [Outcome, number])[]
  /** Namespaces are `<prefix>-<i>` (default `team`). */
  readonly namespacePrefix?: string
}

/** A generated audit stream and what it holds. */
export interface GeneratedAudit {
  /** Every record in stage-time order. */
  readonly records: readonly TimedRecord[]
  /** Pods by outcome (UIDs), for checking what a run made of them. */
  readonly outcomes: ReadonlyMap<string, Outcome>
  readonly relevant: number
  readonly noise: number
}

/**
 * A deterministic cluster: `pods` pods across namespaces and nodes with a mix of outcomes, each
 * written as the audit records of its lifecycle, plus unrelated records (leases, endpoint slices,
 * configmaps, node heartbeats, pod reads) so that `noise` of the volume is irrelevant, all in
 * stage-time order. The same options give the same bytes.
 */
/** One simulated pod: its outcome and the audit records of its lifecycle, in time order. */
export interface SimulatedPod {
  readonly uid: string
  readonly outcome: Outcome
  readonly records: readonly TimedRecord[]
  /** Time of its last record, epoch µs. */
  readonly end: number
}

/**
 * The pods of `generateAudit`, one at a time (creation order), so a large cluster can be streamed
 * without holding every record: `rand` is shared, so the sequence equals `generateAudit`'s pods.
 */
export function* simulatePods(
  opts: LoadgenOptions,
  rand = rng(opts.seed ?? 7),
): Generator<SimulatedPod> {
  const start = (opts.startMs ?? Date.parse('2024-06-01T08:00:00Z')) * 1000
  const spacing = (opts.spacingMs ?? 200) * 1000
  const nsCount = opts.namespaces ?? 20
  const nodes = opts.nodes ?? 12
  const mix = opts.mix ?? DEFAULT_MIX
  const prefix = opts.namespacePrefix ?? 'team'
  let t = start
  for (let i = 0; i < opts.pods; i++) {
    t += Math.floor(spacing * (0.5 + rand()))
    const ns = `${prefix}-${i % nsCount}`
    const owner = `svc-${i % 40}-${(0x5d8f7c9b4 + (i % 40)).toString(16).slice(-9)}`
    const n = i % nodes
    const containers = [{ name: 'app', image: `registry.example/${ns}/svc-${i % 40}:1.${i % 4}.0` }]
    if (i % 5 === 0)
      containers.push({ name: 'sidecar', image: 'registry.example/mesh/proxy:2.3.1' })
    const sim = new PodSim(
      {
        namespace: ns,
        name: `${owner}-${i.toString(36).padStart(5, '0')}`,
        uid: uuid(rand),
        owner,
        node: `worker-${n}`,
        nodeIP: `10.0.1.${n % 250}`,
        podIP: `10.244.${n}.${(i % 250) + 2}`,
        containers,
      },
      rand,
      10_000 + i * 50,
    )
    const outcome = pick(rand, mix)
    const end = play(sim, outcome, t, rand)
    sim.out.sort((a, b) => a.at - b.at)
    yield { uid: sim.id.uid, outcome, records: sim.out, end }
  }
}

/**
 * A deterministic cluster: `pods` pods across namespaces and nodes with a mix of outcomes, each
 * written as the audit records of its lifecycle, plus unrelated records (leases, endpoint slices,
 * configmaps, node heartbeats, pod reads) so that `noise` of the volume is irrelevant, all in
 * stage-time order. The same options give the same bytes.
 */
export function generateAudit(opts: LoadgenOptions): GeneratedAudit {
  const rand = rng(opts.seed ?? 7)
  const start = (opts.startMs ?? Date.parse('2024-06-01T08:00:00Z')) * 1000
  const nodes = opts.nodes ?? 12
  const all: TimedRecord[] = []
  const outcomes = new Map<string, Outcome>()
  let end = start
  for (const pod of simulatePods(opts, rand)) {
    outcomes.set(pod.uid, pod.outcome)
    end = Math.max(end, pod.end)
    for (const r of pod.records) all.push(r)
  }
  const relevant = all.length
  const share = Math.min(Math.max(opts.noise ?? 0.7, 0), 0.99)
  const noise = Math.round((relevant * share) / (1 - share))
  for (let i = 0; i < noise; i++) {
    all.push(noiseRecord(rand, start + Math.floor(rand() * (end - start)), nodes))
  }
  all.sort((a, b) => a.at - b.at)
  return { records: all, outcomes, relevant, noise }
}

/** The stream as an audit log file: one JSON Event per line. */
export function auditLines(g: GeneratedAudit): string[] {
  return g.records.map((r) => JSON.stringify(r.record))
}

/** The stream as webhook bodies: `audit.k8s.io/v1` EventLists of up to `size` items. */
export function eventLists(g: GeneratedAudit, size = 400): string[] {
  const out: string[] = []
  for (let i = 0; i < g.records.length; i += size) {
    const items = g.records.slice(i, i + size).map((r) => r.record)
    out.push(
      JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', metadata: {}, items }),
    )
  }
  return out
}
