import { LATENCY_BUCKETS } from '../runtime/host/worker-batch.ts'
import type { RollupMinute } from '../runtime/store/store.ts'

/** Counts and latency percentiles of a debugslo window, summed from per-minute rollups. */
export interface RollupAggregates {
  counts: { total: number; byResult: Record<string, number>; byCode: Record<string, number> }
  latencyMs: { p50: number | null; p90: number | null; p99: number | null }
}

/**
 * Sums rollup minutes: `count`, `result:<r>`, `code:<c>` and latency `bucket:<le>` fields. A
 * percentile is the upper bound (ms) of the first bucket whose cumulative count reaches it, as
 * Prometheus' histogram_quantile bounds it; beyond the last bound it is that bound.
 */
export function rollupAggregates(minutes: readonly RollupMinute[]): RollupAggregates {
  const byResult: Record<string, number> = {}
  const byCode: Record<string, number> = {}
  const buckets = new Map<string, number>()
  let total = 0
  for (const { fields } of minutes) {
    for (const [field, n] of Object.entries(fields)) {
      if (field === 'count') total += n
      else if (field.startsWith('result:'))
        byResult[field.slice(7)] = (byResult[field.slice(7)] ?? 0) + n
      else if (field.startsWith('code:')) byCode[field.slice(5)] = (byCode[field.slice(5)] ?? 0) + n
      else if (field.startsWith('bucket:'))
        buckets.set(field.slice(7), (buckets.get(field.slice(7)) ?? 0) + n)
    }
  }
  const measured = [...buckets.values()].reduce((a, b) => a + b, 0)
  const bounds = [...LATENCY_BUCKETS.map(String), '+Inf']
  const quantile = (q: number): number | null => {
    if (measured === 0) return null
    let seen = 0
    for (const b of bounds) {
      seen += buckets.get(b) ?? 0
      if (seen >= q * measured)
        return b === '+Inf' ? (LATENCY_BUCKETS.at(-1) ?? 0) * 1000 : Number(b) * 1000
    }
    return null
  }
  return {
    counts: { total, byResult, byCode },
    latencyMs: { p50: quantile(0.5), p90: quantile(0.9), p99: quantile(0.99) },
  }
}
