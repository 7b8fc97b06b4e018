import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { diagnose } from '../../../actors/lifecycle/diagnose.ts'
import type { RuleInput } from '../../../actors/lifecycle/diagnosis-finding.ts'
import { measurePhases } from '../../../actors/lifecycle/diagnosis-phases.ts'
import { compareAt, type Mark, type PodState } from '../../../actors/lifecycle/pod-state.ts'
import { imageRules } from '../../../actors/lifecycle/rules-image.ts'
import { slowRules } from '../../../actors/lifecycle/rules-slow.ts'
import { evaluateSlos } from '../../../actors/lifecycle/slo.ts'
import { DEFAULT_SLO_CONFIG } from '../../../config/slo-config.ts'
import type { Precision } from '../../../protocol/time.ts'
import {
  at,
  bind,
  ctr,
  ctx,
  ev,
  mark,
  pod,
  ready,
  runningPod,
} from '../../support/diagnosis-state.ts'

const m = (s: number, p: Precision): Mark => ({ t: at(s), p, s: 'event' })

function input(state: PodState, result: string, cutoffS: number): RuleInput {
  return {
    state,
    events: [...state.events].sort((a, b) => a.last - b.last),
    budgets: DEFAULT_SLO_CONFIG.budgetsMs,
    postStartHookTimeoutMs: null,
    result,
    cutoff: at(cutoffS),
    cutoffUntil: at(cutoffS) + 1,
    delivered: undefined,
  }
}

describe('compareAt: times are intervals', () => {
  const rows: [string, number, Precision, number, Precision, -1 | 0 | 1][] = [
    ['s 10:00:05 vs µs 10:00:05.285 (same second): tie', 5, 's', 5.285, 'us', 0],
    ['µs 10:00:05.999 vs s 10:00:05: tie', 5.999, 'us', 5, 's', 0],
    ['s 10:00:05 vs µs 10:00:04.9: after', 5, 's', 4.9, 'us', 1],
    ['s 10:00:05 vs µs 10:00:06.1: before', 5, 's', 6.1, 'us', -1],
    ['µs 10:00:05.2 vs µs 10:00:05.3: before', 5.2, 'us', 5.3, 'us', -1],
    ['ms 10:00:05.200 vs µs 10:00:05.200400: tie', 5.2, 'ms', 5.2004, 'us', 0],
    ['s 10:00:05 vs s 10:00:06: before', 5, 's', 6, 's', -1],
  ]
  for (const [name, a, pa, b, pb, want] of rows) {
    it(name, () => {
      assert.equal(compareAt(m(a, pa), m(b, pb)), want)
      assert.equal(compareAt(m(b, pb), m(a, pa)), -want || 0)
    })
  }
})

/** A bound pod with `marks` set, evaluated once its outcome is known. */
function outcome(set: (s: PodState) => void): string {
  const s = bind(pod(), 1)
  s.seenObject = true
  set(s)
  evaluateSlos(s, Number.NEGATIVE_INFINITY, DEFAULT_SLO_CONFIG)
  return s.slo.create.result
}

describe('slo terminalOutcome: which terminal fact came first', () => {
  const rows: [string, (s: PodState) => void, string][] = [
    [
      'failed at 10:00:05.4 (µs) and a delete "at 10:00:05" (s): not killed, failed',
      (s) => {
        s.ms.failed = m(5.4, 'us')
        s.ms.deleteRequested = m(5, 's')
      },
      'failed',
    ],
    [
      'a delete at 10:00:05 (s) and failed at 10:00:06.2: the delete surely came first',
      (s) => {
        s.ms.failed = m(6.2, 'us')
        s.ms.deleteRequested = m(5, 's')
      },
      'killed',
    ],
    [
      'evicted at 10:00:05.1 and deleted at 10:00:05 (s): failed',
      (s) => {
        s.evicted = m(5.1, 'us')
        s.ms.deleted = m(5, 's')
      },
      'failed',
    ],
    [
      'Ready at 10:00:05.3 (µs) and a delete at 10:00:05 (s): ready counts',
      (s) => {
        s.ms.ready = m(5.3, 'us')
        s.ms.deleteRequested = m(5, 's')
      },
      'success',
    ],
    [
      'a delete at 10:00:04.9 (µs) before failed at 10:00:05 (s): killed',
      (s) => {
        s.ms.failed = m(5, 's')
        s.ms.deleteRequested = m(4.9, 'us')
      },
      'killed',
    ],
  ]
  for (const [name, set, want] of rows) it(name, () => assert.equal(outcome(set), want))
})

describe('diagnose: a delete and a failure in the same second', () => {
  it('failed: Failed phase (Evicted) at 10:00:05.5 and a delete at 10:00:05 (s) keeps Evicted', () => {
    const s = runningPod()
    s.ms.failed = m(5.5, 'us')
    s.phase = { value: 'Failed', reason: 'Evicted', t: at(5.5) }
    s.ms.deleteRequested = m(5, 's')
    assert.equal(diagnose(s, ctx('failed', 9))?.code, 'Evicted')
  })
})

describe('rules: progress after a failure is progress only when surely after', () => {
  const pull = (pulledS: number, p: Precision) => {
    const s = bind(pod(), 1)
    mark(s, 'sandboxReady', 2)
    ev(s, {
      reason: 'Failed',
      message:
        'Failed to pull image "registry.example/app:1.0": rpc error: code = Unknown desc = pull QPS exceeded',
      s: 5,
      container: 'app',
    })
    ev(s, {
      reason: 'Pulled',
      type: 'Normal',
      message: 'Successfully pulled image "registry.example/app:1.0" in 1.2s',
      s: pulledS,
      container: 'app',
    })
    const last = s.events.at(-1)
    if (last) last.firstP = last.lastP = p
    return imageRules(input(s, 'violated', 9))[0]?.blocking
  }
  it('a µs Pulled at 10:00:05.4 after a failure "at 10:00:05" (s) proves nothing', () => {
    assert.equal(pull(5.4, 'us'), true)
  })
  it('a Pulled at 10:00:06.1 proves the pull got past it', () => {
    assert.equal(pull(6.1, 'us'), false)
  })
})

describe('phases: which phase a time belongs to', () => {
  it('a coarse sandbox time in the binding second is not "before the binding"', () => {
    const s = bind(pod(), 5.3)
    s.ms.sandboxReady = m(5, 's')
    const spans = measurePhases(s, at(20))
    assert.notEqual(spans.nodeSetup, null)
    assert.equal(spans.nodeSetup?.ms, 0)
  })
  it('a sandbox a second before the binding is out of order: nodeSetup unmeasured', () => {
    const s = bind(pod(), 5.3)
    s.ms.sandboxReady = m(4, 's')
    assert.equal(measurePhases(s, at(20)).nodeSetup, null)
  })
  it('kubelet activity in the binding second counts for KubeletSlow', () => {
    const s = bind(pod(), 5.3)
    s.slo.create.violatedAt = at(480)
    ev(s, { reason: 'FailedMount', message: 'MountVolume.SetUp failed', s: 5 })
    const found = slowRules(input(s, 'violated', 600), [])
    assert.equal(
      found.some((f) => f.code === 'KubeletSlow' && f.blocking),
      false,
    )
  })
  it('a Warning in the Ready second (s vs µs) belongs to the delivery, not after it', () => {
    const s = ready(runningPod(), 5.3)
    s.ms.ready = m(5.3, 'us')
    ev(s, {
      reason: 'Unhealthy',
      message: 'Readiness probe failed: HTTP probe failed with statuscode: 503',
      s: 5,
      container: 'app',
    })
    ctr(s, 'app', { ready: true })
    assert.equal(diagnose(s, ctx('success', 9))?.code, 'ReadinessProbeFailing')
  })
})
