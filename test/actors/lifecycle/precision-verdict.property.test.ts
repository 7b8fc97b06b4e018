import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { diagnoseDelete } from '../../../actors/lifecycle/diagnose-delete.ts'
import { initialState, type PodState } from '../../../actors/lifecycle/pod-state.ts'
import { evaluateSlos } from '../../../actors/lifecycle/slo.ts'
import { parseSloConfig } from '../../../config/slo-config.ts'
import type { MilestoneName } from '../../../protocol/pod-report.ts'
import { at } from '../../support/diagnosis-state.ts'

/** Short SLOs so that synthetic times within a minute reach every deadline (synthetic config). */
const config = parseSloConfig({ defaults: { create: '20s', delete: '10s', giveUp: '40s' } })
const NAMES: MilestoneName[] = ['created', 'ready', 'failed', 'deleteRequested', 'deleted']

/** A time: whole seconds when coarse (as Kubernetes truncates), any µs when fine. */
const time = fc.record({ ms: fc.integer({ min: 0, max: 60_000 }), coarse: fc.boolean() })
const scenario = fc.record({
  marks: fc.array(fc.record({ name: fc.constantFrom(...NAMES), t: time }), { maxLength: 6 }),
  terminated: fc.option(fc.record({ t: time, code: fc.constantFrom(0, 137) })),
  killAtS: fc.option(fc.integer({ min: 0, max: 60 })),
  finalizer: fc.boolean(),
  nowS: fc.integer({ min: 0, max: 120 }),
})
type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never

function build(sc: Scenario, shift: (i: number) => number): PodState {
  const s = initialState('u-p', 'shop', 'web-p')
  s.seenObject = true
  s.facts = { owner: { kind: 'ReplicaSet', name: 'web' }, restartPolicy: 'Always' }
  s.ms.created = { t: at(0), p: 'us', s: 'audit' }
  let i = 0
  const t = (x: { ms: number; coarse: boolean }) =>
    x.coarse ? at(Math.floor(x.ms / 1000)) + shift(i++) : at(x.ms / 1000) + 7
  for (const m of sc.marks) s.ms[m.name] = { t: t(m.t), p: m.t.coarse ? 's' : 'us', s: 'watch' }
  if (sc.terminated) {
    const p = sc.terminated.t.coarse ? 's' : 'us'
    const reason = sc.terminated.code === 137 ? 'Error' : 'Completed'
    s.containers.app = { init: false, restarts: 0 }
    s.containers.app.lastTermination = {
      reason,
      exitCode: sc.terminated.code,
      t: t(sc.terminated.t),
      p,
    }
  }
  if (sc.killAtS !== null) s.deletion = { grace: sc.killAtS, killAt: at(sc.killAtS) }
  if (sc.finalizer) s.facts.finalizers = ['example.com/cleanup']
  return s
}

function judge(s: PodState, nowS: number) {
  evaluateSlos(s, at(nowS), config)
  return {
    create: s.slo.create.result,
    createViolated: s.slo.create.violatedAt !== null,
    delete: s.slo.delete?.result ?? null,
    deleteCode: diagnoseDelete(s, config, at(nowS))?.code ?? null,
  }
}

describe('precision (property): a second-precision time anywhere inside its second', () => {
  it('never changes the create or delete verdict, nor the delete diagnosis code', () => {
    fc.assert(
      fc.property(
        scenario,
        fc.array(fc.integer({ min: 0, max: 999_999 }), { minLength: 10, maxLength: 10 }),
        (sc, shifts) => {
          const base = judge(
            build(sc, () => 0),
            sc.nowS,
          )
          const moved = judge(
            build(sc, (i) => shifts[i % shifts.length] ?? 0),
            sc.nowS,
          )
          assert.deepEqual(moved, base)
        },
      ),
      { numRuns: Number(process.env.LUNETTES_PROPERTY_RUNS ?? 1000) },
    )
  })
})
