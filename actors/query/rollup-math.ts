import type { Percentiles, SloCounts } from '../../protocol/queries.ts'
import { LATENCY_BUCKETS } from '../runtime/host/worker-batch.ts'
import type { RollupMinute } from '../runtime/store/store.ts'

/** Counts and interpolated latency percentiles of a debugslo window, from per-minute rollups. */
export interface RollupAggregates {
  counts: SloCounts
  latencyMs: Percentiles
  /** The widest bucket a percentile was interpolated in, ms; null when one fell past the last. */
  errorBoundMs: number | null
  /** Latencies the buckets hold. */
  samples: number
}

/** One interpolated percentile and the width of the bucket it lies in. */
interface Interpolated {
  value: number
  boundMs: number | null
}

/** Bucket upper bounds in ms, ascending, with their rollup field labels. */
const BOUNDS = LATENCY_BUCKETS.map((s) => ({ label: String(s), ms: s * 1000 }))

/**
 * The q-quantile of a bucketed histogram, linear inside the bucket that holds rank q·n (as
 * Prometheus' histogram_quantile): the true value lies in that bucket, so the error is at most
 * its width. Past the last bound the value is that bound and the error unbounded (null).
 */
export function interpolate(
  counts: ReadonlyMap<string, number>,
  q: number,
  total: number,
): Interpolated | null {
  if (total === 0) return null
  const rank = q * total
  let seen = 0
  let lower = 0
  for (const b of BOUNDS) {
    const n = counts.get(b.label) ?? 0
    if (n > 0 && seen + n >= rank) {
      const share = Math.min(1, Math.max(0, (rank - seen) / n))
      return { value: Math.round(lower + (b.ms - lower) * share), boundMs: b.ms - lower }
    }
    seen += n
    lower = b.ms
  }
  return { value: lower, boundMs: null }
}

/**
 * Sums rollup minutes: `count`, `result:<r>`, `code:<c>` and latency `bucket:<le>` fields, and
 * interpolates p50/p90/p99 of the latency inside the buckets.
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
  const samples = [...buckets.values()].reduce((a, b) => a + b, 0)
  const ps = [0.5, 0.9, 0.99].map((q) => interpolate(buckets, q, samples))
  let errorBoundMs: number | null = 0
  for (const p of ps) {
    if (!p) continue
    errorBoundMs =
      p.boundMs === null || errorBoundMs === null ? null : Math.max(errorBoundMs, p.boundMs)
  }
  return {
    counts: { total, byResult, byCode },
    latencyMs: {
      p50: ps[0]?.value ?? null,
      p90: ps[1]?.value ?? null,
      p99: ps[2]?.value ?? null,
    },
    errorBoundMs,
    samples,
  }
}
