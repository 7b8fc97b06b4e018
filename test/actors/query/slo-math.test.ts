import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import {
  CursorError,
  decodeCursor,
  encodeCursor,
  fingerprint,
} from '../../../actors/query/cursor.ts'
import { interpolate, rollupAggregates } from '../../../actors/query/rollup-math.ts'
import { exactPercentiles, nearestRank } from '../../../actors/query/slo-aggregates.ts'
import { bucketOf, LATENCY_BUCKETS } from '../../../actors/runtime/host/worker-batch.ts'

describe('percentiles', () => {
  it('nearest rank is the ⌈q·n⌉-th smallest', () => {
    assert.equal(nearestRank([], 0.5), null)
    assert.deepEqual(exactPercentiles([5, 1, 4, 2, 3]), { p50: 3, p90: 5, p99: 5 })
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1)
    assert.deepEqual(exactPercentiles(hundred), { p50: 50, p90: 90, p99: 99 })
  })

  it('interpolates inside the bucket that holds the rank; the bucket width bounds the error', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 3_599_000 }), { minLength: 1, maxLength: 300 }),
        (xs) => {
          const counts = new Map<string, number>()
          for (const x of xs) counts.set(bucketOf(x), (counts.get(bucketOf(x)) ?? 0) + 1)
          const agg = rollupAggregates([
            {
              minute: 0,
              fields: Object.fromEntries([...counts].map(([b, n]) => [`bucket:${b}`, n])),
            },
          ])
          const exact = exactPercentiles(xs)
          assert.ok(agg.errorBoundMs !== null)
          for (const k of ['p50', 'p90', 'p99'] as const) {
            const got = agg.latencyMs[k] ?? Number.NaN
            assert.ok(
              Math.abs(got - (exact[k] ?? 0)) <= agg.errorBoundMs,
              `${k} ${got} vs ${exact[k]} ± ${agg.errorBoundMs}`,
            )
          }
        },
      ),
    )
  })

  it('past the last bucket the value is that bound and the error unbounded', () => {
    const last = (LATENCY_BUCKETS.at(-1) ?? 0) * 1000
    const got = interpolate(new Map([['+Inf', 3]]), 0.5, 3)
    assert.deepEqual(got, { value: last, boundMs: null })
    const agg = rollupAggregates([{ minute: 0, fields: { count: 3, 'bucket:+Inf': 3 } }])
    assert.equal(agg.errorBoundMs, null)
    assert.equal(agg.counts.total, 3)
  })
})

describe('cursors', () => {
  const fp = fingerprint(['slo', 'create', 'shop'])
  const cursor = {
    k: 'key',
    q: fp,
    t: 1_700_000_000_000_000,
    u: 'uid-1',
    from: 'a',
    to: 'b',
  } as const

  it('round-trip as opaque base64url', () => {
    const text = encodeCursor(cursor)
    assert.match(text, /^[A-Za-z0-9_-]+$/)
    assert.deepEqual(decodeCursor(text, fp), cursor)
  })

  it('a cursor of other filters, a tampered or a made-up one is refused naming cursor', () => {
    const text = encodeCursor(cursor)
    for (const [bad, f] of [
      [text, fingerprint(['slo', 'create', 'other'])],
      [`${text.slice(0, -3)}xyz`, fp],
      ['bm90LWEtY3Vyc29y', fp],
      [encodeCursor({ ...cursor, q: fp, t: Number.NaN } as never), fp],
    ] as const) {
      assert.throws(
        () => decodeCursor(bad, f),
        (err: unknown) => err instanceof CursorError && err.message.startsWith('cursor:'),
      )
    }
  })
})
