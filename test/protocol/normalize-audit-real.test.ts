import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import * as v from 'valibot'
import { AuditEventList, AuditEventListEnvelope } from '../../protocol/k8s-audit.ts'
import { normalizeAuditEvent } from '../../protocol/normalize-audit.ts'
import type { Normalized, PodSignal } from '../../protocol/pod-signal.ts'
import { PodSignal as PodSignalSchema } from '../../protocol/pod-signal.ts'
import { parseTime } from '../../protocol/time.ts'
import { MIXED_PODS } from '../support/audit-fixtures-catalog.ts'

/** Real audit logs (see realdata/SOURCES.md and ANALYSIS.md §4–§5). */
const REAL = '/work/shared/realdata/audit'
const FIXTURES = 'test/fixtures/audit'

function lines(path: string): unknown[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as unknown)
}

function signalsOf(results: readonly Normalized[]): PodSignal[] {
  return results.flatMap((r) => (r.ok ? r.signals : []))
}

describe('real: falco minikube 2018 (v1beta1 and trimmed lines)', () => {
  const results = lines(`${REAL}/falco-minikube-2018-pod-events.jsonl`).map((e) =>
    normalizeAuditEvent(e),
  )
  // ANALYSIS.md §4: line → [namespace/name, uid, requestReceivedTimestamp]
  const creates: Record<number, [string, string, string]> = {
    3: [
      'default/nginx-deployment-754c877bcd-zh5qx',
      'd7afa813-d8fe-11e8-a2e6-080027728ac4',
      '2018-10-26T09:09:28.664442Z',
    ],
    4: [
      'default/nginx-deployment-544b59f8b8-ffkxm',
      'd40dfcd7-d87e-11e8-a473-080027728ac4',
      '2018-10-25T17:53:06.995407Z',
    ],
    5: [
      'default/nginx-deployment-7998647bdf-4j7t7',
      '6b5d73bb-d8ff-11e8-a2e6-080027728ac4',
      '2018-10-26T09:13:36.411557Z',
    ],
    6: [
      'default/nginx-deployment-5cdcc99dbf-rgw6z',
      '8c845395-d85f-11e8-88b6-080027728ac4',
      '2018-10-25T14:09:12.572676Z',
    ],
    7: [
      'default/nginx-deployment-544b59f8b8-ffkxm',
      'd40dfcd7-d87e-11e8-a473-080027728ac4',
      '2018-10-25T17:53:06.995407Z',
    ],
    8: [
      'default/nginx-deployment-7d5b5dd9cf-t8ngb',
      '76e27404-d87c-11e8-88b6-080027728ac4',
      '2018-10-25T17:36:11.686139Z',
    ],
    9: [
      'default/nginx-deployment-f7f486546-hzhsw',
      '22aed08a-d87f-11e8-a473-080027728ac4',
      '2018-10-25T17:55:18.886267Z',
    ],
    10: [
      'default/nginx-deployment-78f5d695bd-nxqz5',
      'a2ad81ba-d85f-11e8-88b6-080027728ac4',
      '2018-10-25T14:09:49.750328Z',
    ],
    12: [
      'kube-public/nginx-deployment-7998647bdf-tlpkp',
      'efc695f8-d925-11e8-a2e6-080027728ac4',
      '2018-10-26T13:49:19.452048Z',
    ],
    13: [
      'kube-system/nginx-deployment-7998647bdf-7q2sp',
      'a8c4e188-d925-11e8-a2e6-080027728ac4',
      '2018-10-26T13:47:20.328666Z',
    ],
  }
  const drops: Record<number, string> = {
    1: 'irrelevant-stage',
    2: 'irrelevant-resource',
    11: 'irrelevant-verb',
    14: 'irrelevant-resource',
    15: 'irrelevant-stage',
  }

  it('has 15 lines, all accounted for', () => {
    assert.equal(results.length, 15)
    assert.equal(Object.keys(creates).length + Object.keys(drops).length, 15)
  })

  for (const [line, [key, uid, received]] of Object.entries(creates)) {
    it(`line ${line}: pod create → one signal with the response UID`, () => {
      const r = results[Number(line) - 1]
      assert.ok(r?.ok)
      assert.equal(r.signals.length, 1)
      const [s] = r.signals
      assert.ok(s)
      assert.equal(`${s.pod.namespace}/${s.pod.name}`, key)
      assert.equal(s.pod.uid, uid)
      assert.equal(s.received, parseTime(received)?.time)
      assert.deepEqual(
        s.ops.map((o) => o.op),
        ['pod:create:success', 'schedule:default-scheduler:entry'],
      )
      assert.equal(s.facts?.owner?.kind, 'ReplicaSet')
      assert.equal(s.facts?.nodeName, undefined)
      assert.ok(v.is(PodSignalSchema, s))
    })
  }

  for (const [line, reason] of Object.entries(drops)) {
    it(`line ${line}: dropped ${reason}`, () => {
      assert.deepEqual(results[Number(line) - 1], { ok: false, dropped: reason })
    })
  }

  it('lines 4 and 7 (the same event trimmed twice) share the signal id', () => {
    const id = (i: number) => signalsOf([results[i - 1] as Normalized])[0]?.id
    assert.equal(id(4), id(7))
  })
})

describe('real: audit2rbac demo 2017 (no pod lifecycle)', () => {
  const results = lines(`${REAL}/audit2rbac-demo.log`).map((e) => normalizeAuditEvent(e))
  it('drops all 37 events, none invalid', () => {
    assert.equal(results.length, 37)
    for (const r of results) assert.ok(!r.ok && 'dropped' in r, JSON.stringify(r))
    const counts: Record<string, number> = {}
    for (const r of results)
      if (!r.ok && 'dropped' in r) counts[r.dropped] = (counts[r.dropped] ?? 0) + 1
    // 10 pod lists are irrelevant verbs; non-resource gets, nodes/secrets/configmaps are not pods.
    assert.deepEqual(counts, { 'irrelevant-verb': 10, 'irrelevant-resource': 27 })
  })
})

describe('fixtures: test/fixtures/audit', () => {
  it('happy-pod.jsonl: every line gives one valid signal, all for one pod', () => {
    const signals = signalsOf(
      lines(`${FIXTURES}/happy-pod.jsonl`).map((e) => normalizeAuditEvent(e)),
    )
    assert.equal(signals.length, 14)
    for (const s of signals) {
      assert.ok(v.is(PodSignalSchema, s), s.id)
      assert.equal(s.pod.uid, MIXED_PODS.happy.uid)
    }
    assert.equal(new Set(signals.map((s) => s.id)).size, signals.length)
  })

  it('mixed-pods.jsonl: one signal per line; kube-system dropped when ignored', () => {
    const events = lines(`${FIXTURES}/mixed-pods.jsonl`)
    const results = events.map((e) => normalizeAuditEvent(e))
    assert.equal(signalsOf(results).length, events.length)
    for (const s of signalsOf(results)) assert.ok(v.is(PodSignalSchema, s), s.id)
    const namespaces = new Set(signalsOf(results).map((s) => s.pod.namespace))
    assert.ok(namespaces.has('team-fast'))
    const ignored = events.map((e) =>
      normalizeAuditEvent(e, { ignoredNamespaces: new Set(['kube-system']) }),
    )
    const dropped = ignored.filter(
      (r) => !r.ok && 'dropped' in r && r.dropped === 'ignored-namespace',
    )
    assert.equal(
      dropped.length,
      results.filter((r) => r.ok && r.signals[0]?.pod.namespace === 'kube-system').length,
    )
    assert.ok(dropped.length > 0)
  })

  it('eventlist.json: a valid audit.k8s.io/v1 EventList whose items all normalise', () => {
    const list = JSON.parse(readFileSync(`${FIXTURES}/eventlist.json`, 'utf8')) as unknown
    assert.ok(v.is(AuditEventList, list))
    const envelope = v.parse(AuditEventListEnvelope, list)
    const results = (envelope.items ?? []).map((e) => normalizeAuditEvent(e))
    assert.ok(results.length > 0)
    for (const r of results) assert.ok(r.ok, JSON.stringify(r))
  })
})
