import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import * as v from 'valibot'
import { diagnose } from '../../../actors/lifecycle/diagnose.ts'
import { DIAGNOSIS_CODE_LIST, DIAGNOSIS_CODES } from '../../../protocol/diagnosis-codes.ts'
import { ReportDiagnosis } from '../../../protocol/pod-report.ts'
import { ALL_CASES as CASES } from '../../support/diagnosis-all-cases.ts'

const TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3}|\.\d{6})?Z$/

describe('diagnose: one table row per code (synthetic pods, real Kubernetes wording)', () => {
  for (const c of CASES) {
    it(`${c.code} — ${c.name}`, () => {
      const d = diagnose(c.build(), c.ctx)
      assert.ok(d, 'a diagnosis')
      assert.ok(v.is(ReportDiagnosis, d), 'matches the report schema')
      assert.equal(d.code, c.code, `summary was: ${d.summary}`)
      assert.equal(d.findings[0], c.code)
      assert.equal(new Set(d.findings).size, d.findings.length, 'no duplicate findings')
      for (const f of c.findings ?? []) assert.ok(d.findings.includes(f), `findings has ${f}`)
      const owner = DIAGNOSIS_CODES[c.code].owner
      if (owner !== 'by-phase') assert.equal(d.owner, owner)
      if (c.summary) assert.match(d.summary, c.summary)
      if (c.detail) assert.match(d.detail ?? '', c.detail)
      assert.doesNotMatch(d.summary, /\n/, 'one line')
      for (const e of d.evidence) assert.match(e.time, TIME)
      if (c.code !== 'Unknown') assert.ok(d.evidence.length > 0, 'evidence')
    })
  }

  it('covers every code of the catalogue (the delete family: diagnose-delete.test.ts)', () => {
    const covered = new Set(CASES.map((c) => c.code))
    const missing = DIAGNOSIS_CODE_LIST.filter(
      (code) => DIAGNOSIS_CODES[code].phase !== 'delete' && !covered.has(code),
    )
    assert.deepEqual(missing, [])
  })

  it('never matches on the pod, namespace or node name', () => {
    for (const c of CASES) {
      const a = c.build()
      const b = c.build()
      b.name = 'taint-insufficient-oomkilled-preempted'
      b.namespace = 'evicted-not-found'
      b.facts.nodeName = 'node-lost-unreachable'
      const da = diagnose(a, c.ctx)
      const db = diagnose(b, c.ctx)
      assert.equal(db?.code, da?.code, c.name)
      assert.deepEqual(db?.findings, da?.findings, c.name)
    }
  })
})
