import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { it } from 'node:test'
import { eventLists, generateAudit } from '../../../../tools/loadgen/cluster.ts'
import { liveRig, replayOf, until } from './watermark-harness.ts'

const PODS = 3000

/** Verdict counts, with the interim ones (`pending`, `violated`) as replay's `incomplete`. */
function counts(results: readonly (string | undefined)[]): Record<string, number> {
  const out: Record<string, number> = {}
  for (const r of results) {
    const key = r === 'pending' || r === 'violated' ? 'incomplete' : (r ?? 'missing')
    out[key] = (out[key] ?? 0) + 1
  }
  return out
}

it(`a ${PODS}-pod audit log posted as fast as possible to a live runtime gives replay's verdict counts`, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'lunettes-catchup-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  // Pods of an hour ago, each reaching its verdict on its own records (Ready, late, deleted).
  const startMs = Date.now() - 60 * 60_000
  const mix = [
    ['success', 80],
    ['slowSchedule', 10],
    ['deletedBeforeReady', 10],
  ] as const
  const g = generateAudit({ pods: PODS, startMs, noise: 0, mix })
  const records = g.records.map((r) => r.record)
  const replay = await replayOf(records, join(dir, 'audit.jsonl'))
  const want = counts(replay.reports.map((r) => r.slo.create.result))
  assert.equal(replay.reports.length, PODS)

  const rig = await liveRig({ partitions: 8 })
  t.after(() => rig.stop())
  for (const body of eventLists(g)) assert.equal(await rig.postBody(body), 200)
  const uids = [...g.outcomes.keys()]
  const results = async () =>
    Promise.all(uids.map(async (u) => (await rig.report(u))?.slo.create.result))
  const last = uids[uids.length - 1] ?? ''
  assert.ok(await until(async () => (await rig.report(last)) !== null, 120_000), 'all folded')
  let got: Record<string, number> = {}
  await until(async () => {
    got = counts(await results())
    return JSON.stringify(got) === JSON.stringify(want)
  }, 60_000)
  assert.deepEqual(got, want)
  assert.ok((want.success ?? 0) > PODS / 2, `mostly success: ${JSON.stringify(want)}`)
})
