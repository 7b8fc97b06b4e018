import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { SourceWatermarks } from '../../../../actors/runtime/host/watermark-clock.ts'
import type { WatermarkEnvelope } from '../../../../protocol/envelope.ts'
import { auditRecordTime } from '../../../../protocol/watermark.ts'
import { podLifecycle } from '../../../support/audit-fixtures.ts'
import { alertKinds, liveRig, replayOf, TestClock, until } from './watermark-harness.ts'

const S = 1_000_000
const isFinal = (result: string | undefined) =>
  result !== undefined && result !== 'pending' && result !== 'violated'
const MIN = 60 * S
const wm = (source: string, time: number, sentAt: number): WatermarkEnvelope => ({
  v: 1,
  kind: 'watermark',
  source,
  time,
  sentAt,
})

describe('source watermarks: the clock a partition fires its alarms on', () => {
  const now = 1_800_000_000 * S
  it('live sources leave the wall clock; one catching up holds it at its watermark less the grace', () => {
    const w = new SourceWatermarks({ graceMs: 30_000 })
    w.begin([wm('a', now - 2 * S, now)], now)
    assert.equal(w.clock(now, now), now, 'a live source: the wall clock')
    assert.equal(w.clock(now + 10 * MIN, now + 10 * MIN), now + 10 * MIN, 'also once silent')
    w.begin([wm('b', now - 60 * MIN, now)], now)
    assert.equal(w.clock(now, now), now - 60 * MIN - 30 * S, 'the slowest source judges')
    w.begin([wm('b', now - 59 * MIN, now + S)], now + S)
    assert.equal(w.clock(now + S, now + S), now - 59 * MIN - 30 * S)
    w.begin([wm('b', now - 5 * S, now + 2 * S)], now + 2 * S)
    assert.equal(w.clock(now + 2 * S, now + 2 * S), now + 2 * S, 'b is live again')
  })

  it('a watermark within the grace is live; the backlog clock still applies; silent catching-up sources age out', () => {
    const w = new SourceWatermarks({ graceMs: 30_000, idleMs: 120_000 })
    w.begin([wm('a', now - 29 * S, now)], now)
    assert.equal(w.clock(now, now - 90 * S), now - 90 * S, 'the backlog rule is kept')
    w.begin([wm('a', now - 31 * S, now)], now)
    assert.equal(w.clock(now, now), now - 61 * S)
    assert.equal(w.wakeAt(now - 10 * S), now + 120 * S, 'held: look again when it ages out')
    assert.equal(w.wakeAt(now - 70 * S), now - 70 * S, 'not held: at the alarm')
    assert.equal(w.clock(now + 121 * S, now + 121 * S), now + 121 * S, 'aged out: wall clock')
    assert.equal(w.size, 0)
  })

  it('a batch that was not persisted is undone when a new worker starts; one that was is kept', () => {
    const w = new SourceWatermarks()
    w.begin([wm('a', now - 60 * MIN, now)], now)
    w.begin([], now) // the next batch started: the previous one was persisted
    w.begin([wm('a', now, now)], now)
    w.rollback() // that batch failed: the worker is rebuilt from the store
    assert.equal(w.clock(now, now), now - 60 * MIN - 30 * S)
  })

  it('tracks a bounded number of sources, forgetting the one heard of longest ago', () => {
    const w = new SourceWatermarks({ maxSources: 3 })
    for (let i = 0; i < 10; i++) w.begin([wm(`s${i}`, now - 60 * MIN, now + i)], now + i)
    assert.equal(w.size, 3)
    assert.deepEqual([...w.catchingUp().keys()], ['s7', 's8', 's9'])
  })
})

/** A pod created `agoMin` minutes before `nowMs`, Ready about 5 s later, cut in two batches. */
function latePod(i: number, nowMs: number, agoMin: number) {
  const createdAt = (nowMs - agoMin * 60_000) * 1000
  const uid = `7a7e0000-0000-4000-8000-${String(i).padStart(12, '0')}`
  const records = podLifecycle({
    namespace: 'shop',
    name: `late-${i}`,
    uid,
    createdAt,
    owner: { kind: 'ReplicaSet', name: 'late' },
  })
  const cut = createdAt + 2 * S
  const first = records.filter((r) => (auditRecordTime(r) ?? 0) <= cut)
  const second = records.filter((r) => (auditRecordTime(r) ?? 0) > cut)
  return { uid, records, first, second }
}

describe('late audit batches through the webhook (embedded bus and store, test clock)', () => {
  let dir = ''
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lunettes-watermark-'))
  })
  after(() => rm(dir, { recursive: true, force: true }))

  for (const agoMin of [60, 20]) {
    it(`records ${agoMin} min late in two batches 1.5 s apart: the verdict and alerts of replay`, async (t) => {
      const clock = new TestClock()
      const rig = await liveRig({ clock })
      t.after(() => rig.stop())
      const pod = latePod(agoMin, clock.ms, agoMin)
      assert.ok(pod.first.length > 0 && pod.second.length > 0, 'two non-empty batches')
      assert.equal(await rig.post(pod.first), 200)
      assert.ok(await until(async () => (await rig.report(pod.uid)) !== null), 'first batch in')
      // The host looks at its alarms at least once a second: give it a few rounds.
      await sleep(1500)
      clock.advance(1500)
      assert.equal(await rig.post(pod.second), 200)
      const ready = async () => isFinal((await rig.report(pod.uid))?.slo.create.result)
      assert.ok(await until(ready), 'judged')
      await sleep(1500)
      const live = await rig.report(pod.uid)
      const replay = await replayOf(pod.records, join(dir, `late-${agoMin}.jsonl`))
      const expected = replay.reports.find((r) => r.uid === pod.uid)
      assert.equal(expected?.slo.create.result, 'success', 'replay: Ready within its SLO')
      assert.equal(live?.slo.create.result, expected.slo.create.result)
      assert.deepEqual(live?.diagnosis?.code ?? null, expected.diagnosis?.code ?? null)
      assert.deepEqual(alertKinds(rig.alerts, pod.uid), alertKinds(replay.alerts, pod.uid))
    })
  }

  it('a live source alerts within 1 s of the deadline on the wall clock, also once silent', async (t) => {
    const clock = new TestClock()
    const rig = await liveRig({ clock })
    t.after(() => rig.stop())
    // Created now and never Ready: only the create, binding and first kubelet status arrive.
    const pod = latePod(1, clock.ms, 0)
    assert.equal(await rig.post(pod.first), 200)
    assert.ok(await until(async () => (await rig.report(pod.uid)) !== null))
    const report = await rig.report(pod.uid)
    const thresholdMs = report?.slo.create.thresholdMs ?? 0
    assert.ok(thresholdMs > 0)
    clock.advance(thresholdMs - 1000)
    await sleep(1500)
    assert.deepEqual(alertKinds(rig.alerts, pod.uid), [], 'not before the deadline')
    clock.advance(1500) // 0.5 s past the deadline; the source said nothing since
    const fired = await until(() => alertKinds(rig.alerts, pod.uid).length > 0, 1000 + 2000)
    assert.ok(fired, 'alerted within 1 s of the deadline (plus a scheduling margin)')
    assert.deepEqual(alertKinds(rig.alerts, pod.uid), ['create:violated'])
  })

  it('several API servers: the one catching up holds the alarms, the live one does not release them', async (t) => {
    const clock = new TestClock()
    const rig = await liveRig({ clock, partitions: 1 })
    t.after(() => rig.stop())
    const old = latePod(2, clock.ms, 60)
    const fresh = latePod(3, clock.ms, 0)
    assert.equal(await rig.post(old.first, 'apiserver-b'), 200)
    assert.equal(await rig.post(fresh.records, 'apiserver-a'), 200)
    assert.ok(await until(async () => isFinal((await rig.report(fresh.uid))?.slo.create.result)))
    await sleep(1500)
    assert.equal((await rig.report(old.uid))?.slo.create.result, 'pending', 'b still holds it')
    clock.advance(1500)
    assert.equal(await rig.post(old.second, 'apiserver-b'), 200)
    const done = async () => isFinal((await rig.report(old.uid))?.slo.create.result)
    assert.ok(await until(done))
    assert.equal((await rig.report(old.uid))?.slo.create.result, 'success')
    assert.deepEqual(alertKinds(rig.alerts, old.uid), [])
  })
})
