import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { before, describe, it } from 'node:test'
import { DEFAULT_SLO_CONFIG } from '../../config/slo-config.ts'
import type { PodReport } from '../../protocol/pod-report.ts'
import { parseTime } from '../../protocol/time.ts'
import { runReplay } from '../../tools/replay/replay.ts'
import { realdata } from '../support/realdata.ts'

interface KeyPod {
  uid: string
  name: string
  static_mirror_pod?: boolean
  pod_object_in_archive?: boolean
  created?: string
  scheduled_event?: { time: string } | null
  conditions_at_gather?: Record<string, { status: string; lastTransitionTime: string }>
  events: { reason: string; message: string }[]
  'owner_controller_events(create/delete by pod name)'?: { what: string }[] | null
}

const seconds = (iso: string) => (parseTime(iso)?.time ?? Number.NaN) / 1e6

function load(cluster: 'metal' | 'vsphere') {
  const base = `events/openshift-ci-${cluster}-2021-09-14`
  const key = JSON.parse(readFileSync(realdata(`${base}.answer_key.json`), 'utf8')) as {
    pods: KeyPod[]
  }
  return {
    key: key.pods,
    run: runReplay({
      inputs: [realdata(`${base}.events.jsonl`), realdata(`${base}.pods.jsonl`)],
      config: DEFAULT_SLO_CONFIG,
    }),
  }
}

function fullPathMisses(key: KeyPod[], byUid: Map<string, PodReport>) {
  const full = key.filter(
    (p) =>
      p.scheduled_event && p.conditions_at_gather?.Ready?.status === 'True' && !p.static_mirror_pod,
  )
  const misses: string[] = []
  for (const p of full) {
    const r = byUid.get(p.uid)
    if (!r) {
      misses.push(`${p.name}: no report`)
      continue
    }
    const check = (name: keyof PodReport['milestones'], ref: string | undefined, tol: number) => {
      const m = r.milestones[name]
      if (!ref) return
      if (!m) misses.push(`${p.name}: ${name} missing`)
      else if (Math.abs(seconds(m.time) - seconds(ref)) > tol) {
        misses.push(`${p.name}: ${name} ${m.time} vs ${ref}`)
      }
    }
    check('created', p.created, 1)
    check('scheduled', p.scheduled_event?.time, 1.5)
    check('ready', p.conditions_at_gather?.Ready?.lastTransitionTime, 1)
  }
  return { full: full.length, misses }
}

for (const cluster of ['metal', 'vsphere'] as const) {
  describe(`replay of the ${cluster} OpenShift CI cluster (real data)`, () => {
    let key: KeyPod[] = []
    let reports: PodReport[] = []
    const byUid = new Map<string, PodReport>()
    before(async () => {
      const loaded = load(cluster)
      key = loaded.key
      reports = (await loaded.run).reports
      for (const r of reports) byUid.set(r.uid, r)
    })

    it('full-path pods: created, scheduled and ready match the answer key (≥ 99%)', () => {
      const { full, misses } = fullPathMisses(key, byUid)
      if (misses.length > 0) console.log(`${cluster} misses:\n  ${misses.join('\n  ')}`)
      assert.ok(full > 150, `only ${full} full-path pods in the answer key`)
      assert.ok(misses.length <= full * 0.01, `${misses.length} of ${full} pods miss`)
    })

    it('never-scheduled pods deleted while pending have no scheduled milestone and are killed', () => {
      const pending = key.filter(
        (p) =>
          !p.scheduled_event &&
          !p.pod_object_in_archive &&
          p.events.some((e) => e.reason === 'FailedScheduling') &&
          (p.events.some((e) => e.message.startsWith('skip schedule deleting pod')) ||
            (p['owner_controller_events(create/delete by pod name)'] ?? []).some(
              (e) => e.what === 'Deleted',
            )),
      )
      assert.ok(pending.length >= 1)
      for (const p of pending) {
        const r = byUid.get(p.uid)
        assert.ok(r, `no report for ${p.name}`)
        assert.equal(r.milestones.scheduled, undefined, p.name)
        assert.equal(r.slo.create.result, 'killed', p.name)
      }
    })

    it('static mirror pods are flagged and not penalised for a missing binding', () => {
      const mirrors = key.filter((p) => p.static_mirror_pod && p.pod_object_in_archive)
      assert.ok(mirrors.length >= 10)
      for (const p of mirrors) {
        const r = byUid.get(p.uid)
        assert.ok(r, `no report for ${p.name}`)
        assert.equal(r.staticPod, true, p.name)
        assert.equal(r.preassigned, true, p.name)
        assert.equal(r.milestones.scheduled, undefined, p.name)
        assert.equal(r.phases.schedule, null, p.name)
        assert.notEqual(r.slo.create.result, 'failed', p.name)
      }
    })

    it('reports are sorted by created then uid, one per UID, all valid v1 reports', () => {
      const uids = new Set(reports.map((r) => r.uid))
      assert.equal(uids.size, reports.length)
      const created = reports.map((r) => {
        const t = r.milestones.created?.time
        return t ? seconds(t) : Number.POSITIVE_INFINITY
      })
      for (let i = 1; i < created.length; i++) {
        assert.ok((created[i - 1] ?? 0) <= (created[i] ?? 0), `report ${i} out of order`)
      }
      const results = new Set(reports.map((r) => r.slo.create.result))
      for (const r of results)
        assert.ok(['success', 'late', 'failed', 'killed', 'incomplete'].includes(r), r)
    })
  })
}
