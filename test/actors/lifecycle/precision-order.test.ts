import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { diagnose } from '../../../actors/lifecycle/diagnose.ts'
import type { PodState } from '../../../actors/lifecycle/pod-state.ts'
import type { MilestoneName } from '../../../protocol/pod-report.ts'
import { at, ctx, ev, mark, pod } from '../../support/diagnosis-state.ts'

const TAINT =
  '0/3 nodes are available: 3 node(s) had untolerated taint {node-role.kubernetes.io/master: }.'

/**
 * The example (made up): created and deleted at 10:00:05Z (second precision, from owner
 * events), FailedScheduling at 10:00:05.285Z (µs, events.k8s.io eventTime).
 */
function killedWhileUnschedulable(): PodState {
  const s = pod()
  s.ms.created = { t: at(5), p: 's', s: 'event' }
  mark(s, 'deleteRequested', 5, 's')
  mark(s, 'deleted', 5, 's')
  ev(s, { reason: 'FailedScheduling', message: TAINT, s: 5.285 })
  const e = s.events.at(-1)
  if (e) e.firstP = 'us'
  return s
}

describe('precision: a second-precision time is [t, t+1 s), never before a µs time inside it', () => {
  it('deleted "at 10:00:05" does not come before FailedScheduling at 10:00:05.285', () => {
    const d = diagnose(killedWhileUnschedulable(), ctx('killed', 5))
    assert.equal(d?.code, 'Unschedulable.TaintNotTolerated')
    assert.ok(
      d?.evidence.some(
        (e) => e.field === 'deleteRequested' || /deleteRequested/.test(e.reason ?? ''),
      ),
      JSON.stringify(d?.evidence),
    )
    assert.match(d?.detail ?? '', /then deleted at 2024-05-01T10:00:05Z while blocked/)
  })

  it('a FailedScheduling a whole second after the delete is after it', () => {
    const s = killedWhileUnschedulable()
    const e = s.events.at(-1)
    if (e) e.first = e.last = at(6.285)
    assert.equal(diagnose(s, ctx('killed', 7))?.code, 'DeletedBeforeReady')
  })

  it('property: shifting a second-precision milestone inside its second never changes the code', () => {
    const coarse: MilestoneName[] = ['created', 'deleteRequested', 'deleted']
    fc.assert(
      fc.property(
        fc.record({
          shifts: fc.array(fc.integer({ min: 0, max: 999_999 }), { minLength: 3, maxLength: 3 }),
          eventAtMs: fc.integer({ min: 4000, max: 7000 }),
        }),
        ({ shifts, eventAtMs }) => {
          const base = killedWhileUnschedulable()
          const e = base.events.at(-1)
          if (e) e.first = e.last = at(eventAtMs / 1000)
          const shifted = structuredClone(base)
          coarse.forEach((name, i) => {
            const m = shifted.ms[name]
            if (m) shifted.ms[name] = { ...m, t: m.t + (shifts[i] ?? 0) }
          })
          const a = diagnose(base, ctx('killed', 8))?.code
          const b = diagnose(shifted, ctx('killed', 8))?.code
          assert.equal(b, a)
        },
      ),
      { numRuns: Number(process.env.LUNETTES_PROPERTY_RUNS ?? 300) },
    )
  })
})
