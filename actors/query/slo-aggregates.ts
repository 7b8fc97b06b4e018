import type { ReportPhases } from '../../protocol/pod-report.ts'
import type {
  Percentiles,
  PhasePercentiles,
  SloAggregate,
  SloCounts,
} from '../../protocol/queries.ts'
import type { SloRow } from './slo-rows.ts'

const PHASES: readonly (keyof ReportPhases)[] = [
  'schedule',
  'nodeSetup',
  'imagePull',
  'init',
  'containerStart',
  'readiness',
]

/**
 * Nearest-rank percentile of sorted values: the smallest value with at least q·n values at or
 * below it (the ⌈q·n⌉-th smallest). Null for no values.
 */
export function nearestRank(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null
  const rank = Math.max(1, Math.ceil(q * sorted.length))
  return sorted[rank - 1] ?? null
}

/** p50/p90/p99 by nearest rank of the given values (any order). */
export function exactPercentiles(values: readonly number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b)
  return {
    p50: nearestRank(sorted, 0.5),
    p90: nearestRank(sorted, 0.9),
    p99: nearestRank(sorted, 0.99),
  }
}

/** Counts by result and by diagnosis code of rows. */
export function countRows(rows: readonly SloRow[]): SloCounts {
  const byResult: Record<string, number> = {}
  const byCode: Record<string, number> = {}
  for (const { pod } of rows) {
    byResult[pod.result] = (byResult[pod.result] ?? 0) + 1
    if (pod.code !== null) byCode[pod.code] = (byCode[pod.code] ?? 0) + 1
  }
  return { total: rows.length, byResult, byCode }
}

const measured = (values: readonly (number | null)[]): number[] =>
  values.filter((x): x is number => x !== null)

/** The exact aggregates of rows: counts, latency percentiles and (with `phases`) per phase. */
export function exactAggregate(rows: readonly SloRow[], phases: boolean): SloAggregate {
  let phasesMs: PhasePercentiles | null = null
  if (phases) {
    const out: Partial<PhasePercentiles> = {}
    for (const p of PHASES) out[p] = exactPercentiles(measured(rows.map((r) => r.phases[p])))
    phasesMs = out as PhasePercentiles
  }
  return {
    counts: countRows(rows),
    latencyMs: exactPercentiles(measured(rows.map((r) => r.latencyMs))),
    phasesMs,
  }
}

/** Exact aggregates per namespace, namespaces sorted. */
export function exactByNamespace(
  rows: readonly SloRow[],
  phases: boolean,
): Record<string, SloAggregate> {
  const groups = new Map<string, SloRow[]>()
  for (const r of rows) {
    const list = groups.get(r.pod.namespace)
    if (list) list.push(r)
    else groups.set(r.pod.namespace, [r])
  }
  const out: Record<string, SloAggregate> = {}
  for (const ns of [...groups.keys()].sort()) {
    out[ns] = exactAggregate(groups.get(ns) ?? [], phases)
  }
  return out
}

/** Measured latencies of rows (the exact method's sample count). */
export function samplesOf(rows: readonly SloRow[]): number {
  return rows.reduce((n, r) => n + (r.latencyMs === null ? 0 : 1), 0)
}
