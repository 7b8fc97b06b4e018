import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { PodReport } from '../../protocol/pod-report.ts'
import { apiWorld, countBy, rank } from '../support/api-world.ts'
import { useServers } from '../support/servers.ts'

const servers = useServers()
const WINDOW = 'from=2021-09-14T00:00:00Z&to=2021-09-15T00:00:00Z'

let world: Awaited<ReturnType<typeof apiWorld>>

type Page = {
  pods: { uid: string; finished: string | null; result: string; code: string | null }[]
  next: string | null
  counts: { total: number; byResult: Record<string, number>; byCode: Record<string, number> }
  latencyMs: { p50: number | null; p90: number | null; p99: number | null }
  phasesMs: Record<string, { p50: number | null; p90: number | null; p99: number | null }> | null
  percentiles: { method: string; errorBoundMs: number | null; samples: number }
  byNamespace: Record<string, { counts: { total: number } }>
}

/** Every page of a listing, following `next`; asserts 200 on each. */
async function allPages(path: string): Promise<Page[]> {
  const pages: Page[] = []
  let cursor: string | null = null
  do {
    const sep = path.includes('?') ? '&' : '?'
    const { status, body } = await world.get(
      cursor ? `${path}${sep}cursor=${encodeURIComponent(cursor)}` : path,
    )
    assert.equal(status, 200, JSON.stringify(body))
    pages.push(body as unknown as Page)
    cursor = (body as unknown as Page).next
    assert.ok(pages.length < 500, 'paging ends')
  } while (cursor)
  return pages
}

function expectListed(pages: Page[], expected: readonly PodReport[], what: string, ordered = true) {
  const uids = pages.flatMap((p) => p.pods.map((x) => x.uid))
  assert.equal(new Set(uids).size, uids.length, `${what}: no pod on two pages`)
  assert.deepEqual(new Set(uids), new Set(expected.map((r) => r.uid)), `${what}: no gap`)
  if (!ordered) return
  // Pods that never finished (failed, killed before Ready) sort by their last signal: skip them.
  const times = pages.flatMap((p) =>
    p.pods.flatMap((x) => (x.finished ? [Date.parse(x.finished)] : [])),
  )
  for (let i = 1; i < times.length; i++) {
    assert.ok((times[i] ?? 0) <= (times[i - 1] ?? 0), `${what}: newest first across pages`)
  }
}

function expectAggregates(page: Page, expected: readonly PodReport[], what: string) {
  assert.equal(page.counts.total, expected.length, `${what}: total`)
  assert.deepEqual(
    page.counts.byResult,
    countBy(expected, (r) => r.slo.create.result),
    what,
  )
  assert.deepEqual(
    page.counts.byCode,
    countBy(expected, (r) => r.diagnosis?.code ?? null),
    what,
  )
  const delivery = expected.map((r) => r.sli.deliveryMs)
  assert.deepEqual(
    page.latencyMs,
    { p50: rank(delivery, 0.5), p90: rank(delivery, 0.9), p99: rank(delivery, 0.99) },
    `${what}: delivery percentiles`,
  )
  for (const phase of ['schedule', 'imagePull', 'readiness'] as const) {
    const xs = expected.map((r) => r.phases[phase])
    assert.deepEqual(
      page.phasesMs?.[phase],
      { p50: rank(xs, 0.5), p90: rank(xs, 0.9), p99: rank(xs, 0.99) },
      `${what}: ${phase}`,
    )
  }
  assert.deepEqual(page.percentiles, {
    method: 'exact',
    errorBoundMs: 0,
    samples: delivery.filter((x) => x !== null).length,
  })
  const byNs = countBy(expected, (r) => r.namespace)
  assert.deepEqual(
    Object.fromEntries(Object.entries(page.byNamespace).map(([ns, a]) => [ns, a.counts.total])),
    byNs,
    `${what}: per namespace`,
  )
}

describe('debugslo over NATS on the replayed metal data, against the replay reports', () => {
  before(async () => {
    world = await apiWorld(servers)
  })
  after(() => world?.close())

  it('lists every verdict once across pages of 37, with the window’s exact aggregates on each', async () => {
    const pages = await allPages(`/api/v1/debugslo?${WINDOW}&limit=37`)
    assert.ok(pages.length > 3, `${pages.length} pages`)
    expectListed(pages, world.indexed, 'all')
    for (const p of [pages[0], pages.at(-1)]) if (p) expectAggregates(p, world.indexed, 'all')
  })

  it('filters by result, code, owner and namespace before paging; aggregates follow the filter', async () => {
    const top = (key: (r: PodReport) => string | null) =>
      Object.entries(countBy(world.indexed, key)).sort((a, b) => b[1] - a[1])[0]?.[0] ?? ''
    const code = top((r) => r.diagnosis?.code ?? null)
    const namespace = top((r) => r.namespace)
    const cases: [string, (r: PodReport) => boolean][] = [
      ['result=late', (r) => r.slo.create.result === 'late'],
      [`code=${code}`, (r) => r.diagnosis?.code === code],
      ['owner=user', (r) => r.diagnosis?.owner === 'user'],
      [`namespace=${namespace}`, (r) => r.namespace === namespace],
      [
        `namespace=${namespace}&result=success`,
        (r) => r.namespace === namespace && r.slo.create.result === 'success',
      ],
    ]
    for (const [filter, keep] of cases) {
      const expected = world.indexed.filter(keep)
      assert.ok(expected.length > 0, `${filter} matches something`)
      const pages = await allPages(`/api/v1/debugslo?${WINDOW}&${filter}&limit=9`)
      expectListed(pages, expected, filter)
      if (pages[0]) expectAggregates(pages[0], expected, filter)
    }
  })

  it('past the exact limit: counts from the rollups, percentiles interpolated within the stated bound', async () => {
    await world.serve({ maxExactVerdicts: 10 })
    try {
      const pages = await allPages(`/api/v1/debugslo?${WINDOW}&limit=200`)
      // Past the exact limit pages follow the index (verdict time), not the report's finish time.
      expectListed(pages, world.indexed, 'big window', false)
      const first = pages[0] as Page
      assert.equal(first.percentiles.method, 'interpolated')
      assert.equal(first.counts.total, world.indexed.length)
      assert.deepEqual(
        first.counts.byResult,
        countBy(world.indexed, (r) => r.slo.create.result),
      )
      const bound = first.percentiles.errorBoundMs
      assert.ok(bound !== null && bound > 0, `bound ${bound}`)
      const delivery = world.indexed.map((r) => r.sli.deliveryMs)
      for (const [q, key] of [
        [0.5, 'p50'],
        [0.9, 'p90'],
        [0.99, 'p99'],
      ] as const) {
        const exact = rank(delivery, q) ?? 0
        const got = first.latencyMs[key] ?? Number.NaN
        assert.ok(Math.abs(got - exact) <= bound, `${key} ${got} vs exact ${exact} ± ${bound}`)
      }
      const filtered = await world.get(`/api/v1/debugslo?${WINDOW}&result=late`)
      assert.equal(filtered.status, 400)
      assert.match(String((filtered.body.error as { message: string }).message), /^result: /)
    } finally {
      await world.serve()
    }
  })

  it('a cursor is bound to its filters and keeps its window', async () => {
    const first = await world.get(`/api/v1/debugslo?${WINDOW}&result=late&limit=2`)
    const next = String(first.body.next)
    const other = await world.get(`/api/v1/debugslo?${WINDOW}&result=success&cursor=${next}`)
    assert.equal(other.status, 400)
    assert.match(String((other.body.error as { message: string }).message), /^cursor: /)
    const same = await world.get(`/api/v1/debugslo?result=late&limit=2&cursor=${next}`)
    assert.equal(same.status, 200, 'no from/to: the cursor’s window')
    assert.equal(same.body.from, '2021-09-14T00:00:00Z')
    const garbage = await world.get(`/api/v1/debugslo?${WINDOW}&cursor=bm90LWEtY3Vyc29y`)
    assert.equal(garbage.status, 400)
  })
})
