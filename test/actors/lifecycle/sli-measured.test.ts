import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createDecider } from '../../../actors/lifecycle/decide.ts'
import { diagnose } from '../../../actors/lifecycle/diagnose.ts'
import { computePhases, computeSli } from '../../../actors/lifecycle/phases.ts'
import { initialState } from '../../../actors/lifecycle/pod-state.ts'
import { DEFAULT_SLO_CONFIG } from '../../../config/slo-config.ts'
import {
  at,
  bind,
  ctr,
  ctx,
  ev,
  mark,
  missed,
  pod,
  ready,
  started,
} from '../../support/diagnosis-state.ts'
import { sig } from '../../support/signals.ts'

const sli = (s: ReturnType<typeof pod>) => computeSli(s, computePhases(s))

/** Bound at 1 s, sandbox at 2 s (synthetic pods). */
function placed(containers = ['app'], init: string[] = []) {
  const s = bind(pod(containers, init), 1)
  return mark(s, 'sandboxReady', 2)
}

describe('phases and SLIs: measured values (synthetic pods)', () => {
  it('init = sandboxReady → Initialized; containerStart starts at Initialized', () => {
    const s = placed(['app'], ['migrate'])
    mark(s, 'initialized', 7)
    started(s, 'app', 9)
    ready(s, 12)
    const phases = computePhases(s)
    assert.equal(phases.init, 5000)
    assert.equal(phases.containerStart, 2000)
    const m = sli(s)
    assert.equal(m.deliveryMs, 12_000)
    // startup = created → started (9 s) minus init (5 s); platform = 12 s − init − readiness (3 s).
    assert.equal(m.startupMs, 4000)
    assert.equal(m.platformMs, 4000)
  })

  it('platformMs subtracts postStart hook time: Started app → the next container’s first step', () => {
    const s = placed(['app', 'worker'])
    s.facts.postStartHooks = ['app']
    started(s, 'app', 3)
    ev(s, {
      reason: 'Pulled',
      type: 'Normal',
      message: 'Container image "x" already present on machine',
      s: 8,
      container: 'worker',
    })
    started(s, 'worker', 8)
    ready(s, 10)
    const m = sli(s)
    assert.equal(m.deliveryMs, 10_000)
    // readiness = 8 s → 10 s = 2 s; hook = 3 s → 8 s = 5 s.
    assert.equal(m.platformMs, 3000)
    s.facts.postStartHooks = []
    assert.equal(sli(s).platformMs, 8000)
  })

  it('startupEligible: stateless volumes and no preemption only', () => {
    const s = placed()
    started(s, 'app', 4)
    s.facts.volumeKinds = ['configMap', 'secret', 'projected', 'emptyDir', 'downwardAPI']
    assert.equal(sli(s).startupEligible, true)
    assert.equal(sli(s).startupMs, 4000)
    s.facts.volumeKinds = ['configMap', 'persistentVolumeClaim']
    assert.equal(sli(s).startupEligible, false)
    s.facts.volumeKinds = ['secret']
    s.facts.nominatedNodeName = 'node-b'
    assert.equal(sli(s).startupEligible, false)
    delete s.facts.nominatedNodeName
    ev(s, {
      reason: 'Preempted',
      message: 'Preempted by pod x on node node-a',
      s: 1,
      component: 'default-scheduler',
    })
    assert.equal(sli(s).startupEligible, false)
  })
})

describe('native sidecars (init containers with restartPolicy Always)', () => {
  function withSidecar() {
    const s = placed(['app'])
    s.facts.initContainers = [
      { name: 'proxy', image: 'registry.example/proxy:1.0', restartPolicy: 'Always' },
    ]
    s.containers.proxy = { init: true, restarts: 0 }
    return s
  }

  it('do not make an init phase; containerStart runs from the sandbox', () => {
    const s = withSidecar()
    started(s, 'proxy', 3)
    mark(s, 'initialized', 4)
    started(s, 'app', 6)
    ready(s, 7)
    const phases = computePhases(s)
    assert.equal(phases.init, null)
    assert.equal(phases.containerStart, 4000)
    // The sidecar is not a main container: containersStarted is app's start.
    assert.equal(sli(s).startupMs, 6000)
  })

  it('a sidecar an ordinary init container sits beside still gives the init phase', () => {
    const s = withSidecar()
    s.facts.initContainers = [...(s.facts.initContainers ?? []), { name: 'migrate', image: 'm:1' }]
    mark(s, 'initialized', 5)
    assert.equal(computePhases(s).init, 3000)
  })

  it('its restarts are not init failures: CrashLoopBackOff, not InitContainerFailed', () => {
    const s = withSidecar()
    started(s, 'proxy', 3)
    mark(s, 'initialized', 3)
    started(s, 'app', 5)
    ctr(s, 'proxy', {
      restarts: 3,
      ready: false,
      lastTermination: { reason: 'Error', exitCode: 1, t: at(200) },
    })
    ev(s, {
      reason: 'BackOff',
      message: 'Back-off restarting failed container proxy in pod web-1_shop(x)',
      s: 20,
      lastS: 400,
      initContainer: 'proxy',
    })
    const d = diagnose(missed(s), ctx('violated', 480))
    assert.equal(d?.code, 'CrashLoopBackOff')
    assert.ok(!d?.findings.includes('InitContainerFailed'), JSON.stringify(d?.findings))
  })
})

describe('sandboxReady from PodReadyToStartContainers=True (KEP-3085)', () => {
  it('the kubelet condition sets the milestone', () => {
    const decide = createDecider({ config: DEFAULT_SLO_CONFIG })
    let s = initialState('a1b2c3d4-0000-4000-8000-000000000001', 'shop', 'web-1')
    s = decide(s, sig({ at: '2024-05-01T10:00:00.100000Z', ops: ['pod:create:success'] }), 0).state
    const cond = sig({
      at: '2024-05-01T10:00:03Z',
      source: 'watch',
      ops: ['condition:PodReadyToStartContainers:true'],
    })
    s = decide(s, cond, cond.time).state
    assert.deepEqual(s.ms.sandboxReady, { t: cond.time, p: 's', s: 'watch' })
  })
})
