import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { normalizeK8sEvent } from '../../protocol/normalize-event.ts'
import { parseTime } from '../../protocol/time.ts'

/** Real must-gather Events of two OpenShift CI clusters (see realdata/SOURCES.md A1–A2). */
const REAL = '/work/shared/realdata/events'
const FINAL = { source: 'event', finalState: true } as const

interface RawEvent {
  involvedObject?: { kind?: string }
  series?: unknown
  count?: number
}

interface AnswerKey {
  pods: { uid: string; scheduled_event?: { time: string } | null }[]
}

for (const cluster of ['metal', 'vsphere'] as const) {
  describe(`real events: openshift-ci-${cluster}-2021-09-14`, () => {
    const prefix = join(REAL, `openshift-ci-${cluster}-2021-09-14`)
    const lines = readFileSync(`${prefix}.events.jsonl`, 'utf8').split('\n').filter(Boolean)
    const events = lines.map((l) => JSON.parse(l) as RawEvent)
    const results = events.map((e) => normalizeK8sEvent(e, FINAL))
    const all = results.flatMap((r) => (r.ok ? r.signals : []))
    const podSignals = all.filter((s) => s.event)
    const ownerSignals = all.filter((s) => s.ops.length > 0)

    it('has no invalid Event', () => {
      const bad = results.flatMap((r, i) =>
        !r.ok && 'invalid' in r ? [`${i + 1}: ${r.invalid}`] : [],
      )
      assert.deepEqual(bad, [])
    })

    it('gives one signal per occurrence shown, with unique ids', () => {
      const podEvents = events.filter((e) => e.involvedObject?.kind === 'Pod')
      const repeated = podEvents.filter((e) => e.series || (e.count ?? 1) > 1)
      assert.equal(podEvents.length, cluster === 'metal' ? 2964 : 2974)
      assert.equal(podSignals.length, podEvents.length + repeated.length)
      assert.equal(podSignals.length, cluster === 'metal' ? 3273 : 3263)
      assert.equal(new Set(all.map((s) => s.id)).size, all.length)
    })

    it('turns owner events into owner:pod:* signals', () => {
      const ops = ownerSignals.map((s) => s.ops[0]?.op)
      const created = ops.filter((o) => o === 'owner:pod:created').length
      const deleted = ops.filter((o) => o === 'owner:pod:deleted').length
      assert.deepEqual([created, deleted], cluster === 'metal' ? [179, 20] : [175, 21])
      for (const s of ownerSignals) {
        assert.ok(s.facts?.owner?.kind && s.facts.owner.name, s.id)
        assert.equal(s.pod.uid, undefined)
      }
    })

    it('matches every answer-key Scheduled time', () => {
      const key = JSON.parse(readFileSync(`${prefix}.answer_key.json`, 'utf8')) as AnswerKey
      const scheduled = new Map(
        podSignals.filter((s) => s.event?.reason === 'Scheduled').map((s) => [s.pod.uid, s]),
      )
      const expected = key.pods.filter((p) => p.scheduled_event)
      assert.equal(expected.length, cluster === 'metal' ? 190 : 193)
      assert.equal(scheduled.size, expected.length)
      for (const p of expected) {
        const s = scheduled.get(p.uid)
        assert.ok(s, `no Scheduled signal for ${p.uid}`)
        const want = parseTime(p.scheduled_event?.time)
        assert.equal(s.time, want?.time, p.uid)
        assert.equal(s.precision, want?.precision, p.uid)
      }
    })
  })
}
