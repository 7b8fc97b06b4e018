import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import * as v from 'valibot'
import { createDecider } from '../../../actors/lifecycle/decide.ts'
import { createDiagnose } from '../../../actors/lifecycle/diagnosis-hook.ts'
import { initialState, type PodState } from '../../../actors/lifecycle/pod-state.ts'
import { toReport } from '../../../actors/lifecycle/report.ts'
import { closeSlos } from '../../../actors/lifecycle/slo.ts'
import { DEFAULT_SLO_CONFIG } from '../../../config/slo-config.ts'
import { PodReport } from '../../../protocol/pod-report.ts'
import type { PodSignal } from '../../../protocol/pod-signal.ts'
import { sig } from '../../support/signals.ts'

const UID = 'a1b2c3d4-0000-4000-8000-000000000e01'
const TAINT =
  '0/3 nodes are available: 3 node(s) had untolerated taint {node-role.kubernetes.io/master: }.'

const event = (at: string, reason: string, message: string, component = 'default-scheduler') =>
  sig({ at, uid: UID, source: 'event', event: { reason, message, type: 'Warning', component } })

function replay(signals: PodSignal[]) {
  const diagnose = createDiagnose(DEFAULT_SLO_CONFIG)
  const decide = createDecider({ config: DEFAULT_SLO_CONFIG, diagnose })
  let state: PodState = initialState(UID, 'shop', 'web-1')
  for (const s of signals) state = decide(state, s, s.time).state
  closeSlos(state)
  const end = signals.at(-1)?.time ?? 0
  return toReport(state, DEFAULT_SLO_CONFIG, diagnose(state, end, state.slo.create.result))
}

describe('pods known only from Events (synthetic signals: creation signal lost)', () => {
  it('seen pending (FailedScheduling) then deleted: killed, created bounded by its earliest Event', () => {
    const r = replay([
      event('2024-05-01T10:00:05.285000Z', 'FailedScheduling', TAINT),
      event('2024-05-01T10:02:00Z', 'FailedScheduling', 'skip schedule deleting pod: shop/web-1'),
    ])
    assert.equal(r.slo.create.result, 'killed')
    assert.deepEqual(r.milestones.created, {
      time: '2024-05-01T10:00:05.285000Z',
      precision: 'us',
      source: 'event-bound',
    })
    assert.equal(r.slo.create.deadline, '2024-05-01T10:08:05.285000Z')
    assert.equal(r.milestones.scheduled, undefined)
    assert.equal(r.diagnosis?.code, 'Unschedulable.TaintNotTolerated')
    assert.ok(v.is(PodReport, r), 'a valid v1 report')
  })

  it('the owner deleting it (SuccessfulDelete) counts as the delete too', () => {
    const r = replay([
      event('2024-05-01T10:00:05Z', 'FailedScheduling', TAINT),
      sig({ at: '2024-05-01T10:01:00Z', uid: UID, source: 'event', ops: ['owner:pod:deleted'] }),
    ])
    assert.equal(r.slo.create.result, 'killed')
    assert.equal(r.milestones.created?.source, 'event-bound')
    assert.equal(r.milestones.created?.precision, 's')
  })

  it('seen pending but never deleted: no verdict (incomplete), no bound', () => {
    const r = replay([event('2024-05-01T10:00:05Z', 'FailedScheduling', TAINT)])
    assert.equal(r.slo.create.result, 'incomplete')
    assert.equal(r.milestones.created, undefined)
  })

  it('placed (Scheduled) and then deleted keeps the rule: incomplete, never failed or killed', () => {
    const r = replay([
      event('2024-05-01T10:00:05Z', 'FailedScheduling', TAINT),
      event('2024-05-01T10:00:40Z', 'Scheduled', 'Successfully assigned shop/web-1 to node-a'),
      sig({ at: '2024-05-01T10:01:00Z', uid: UID, source: 'event', ops: ['owner:pod:deleted'] }),
    ])
    assert.equal(r.slo.create.result, 'incomplete')
    assert.equal(r.milestones.created, undefined)
  })

  it('a pod whose creation was seen keeps its observed created milestone', () => {
    const r = replay([
      sig({ at: '2024-05-01T10:00:04Z', uid: UID, source: 'event', ops: ['owner:pod:created'] }),
      event('2024-05-01T10:00:05Z', 'FailedScheduling', TAINT),
      sig({ at: '2024-05-01T10:01:00Z', uid: UID, source: 'event', ops: ['owner:pod:deleted'] }),
    ])
    assert.equal(r.slo.create.result, 'killed')
    assert.equal(r.milestones.created?.source, 'event')
    assert.equal(r.milestones.created?.time, '2024-05-01T10:00:04Z')
  })
})
