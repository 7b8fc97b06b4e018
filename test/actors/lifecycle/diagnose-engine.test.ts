import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { diagnose, shouldDiagnose } from '../../../actors/lifecycle/diagnose.ts'
import type { EventRecord } from '../../../actors/lifecycle/pod-state.ts'
import { ALL_CASES } from '../../support/diagnosis-all-cases.ts'
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
  runningPod,
  started,
} from '../../support/diagnosis-state.ts'

const TAINT =
  "0/3 nodes are available: 3 node(s) had taint {node-role.kubernetes.io/master: }, that the pod didn't tolerate."

describe('shouldDiagnose', () => {
  it('diagnoses every result but pending and quiet successes', () => {
    const quiet = runningPod()
    const noisy = ev(runningPod(), { reason: 'FailedMount', message: 'x', s: 1 })
    assert.equal(shouldDiagnose('pending', noisy), false)
    assert.equal(shouldDiagnose('success', quiet), false)
    assert.equal(shouldDiagnose('success', noisy), true)
    for (const r of ['violated', 'late', 'failed', 'killed', 'incomplete']) {
      assert.equal(shouldDiagnose(r, quiet), true, r)
    }
    assert.equal(diagnose(ready(runningPod(), 10), ctx('success', 10)), null)
  })
})

describe('diagnose: choosing the primary', () => {
  it('explains a success with Warning events (ANALYSIS I: envvars not yet readable)', () => {
    const s = bind(pod(['machine-config-daemon']), 0.4)
    ev(s, {
      reason: 'Failed',
      message: 'Error: services have not yet been read at least once, cannot construct envvars',
      s: 0,
      container: 'machine-config-daemon',
    })
    started(s, 'machine-config-daemon', 15)
    const d = diagnose(ready(s, 15), ctx('success', 20))
    assert.equal(d?.code, 'ContainerConfigError')
    assert.equal(d?.owner, 'user')
  })

  it('says Unknown for a success whose warnings no rule explains', () => {
    const s = ev(ready(runningPod(), 10), {
      reason: 'FailedKillPod',
      message: 'error killing pod: failed to "KillContainer"',
      s: 5,
    })
    const d = diagnose(s, ctx('success', 20))
    assert.equal(d?.code, 'Unknown')
    assert.match(d?.summary ?? '', /FailedKillPod/)
  })

  it('blames the blocker of a killed pod, else DeletedBeforeReady', () => {
    const stuck = ev(pod(), { reason: 'FailedScheduling', message: TAINT, s: 0, lastS: 50 })
    mark(stuck, 'deleteRequested', 60)
    assert.equal(diagnose(stuck, ctx('killed', 61))?.code, 'Unschedulable.TaintNotTolerated')

    const passed = mark(bind(structuredClone(stuck), 55), 'deleteRequested', 60)
    const d = diagnose(passed, ctx('killed', 61))
    assert.equal(d?.code, 'DeletedBeforeReady')
    assert.deepEqual(d?.findings, ['DeletedBeforeReady', 'Unschedulable.TaintNotTolerated'])
  })

  it('ignores failures reported after the delete of a killed pod', () => {
    const s = mark(runningPod(), 'deleteRequested', 60)
    ev(s, {
      reason: 'Unhealthy',
      message: 'Readiness probe failed: connection refused',
      s: 61,
      container: 'app',
    })
    assert.equal(diagnose(s, ctx('killed', 70))?.code, 'DeletedBeforeReady')
  })

  it('late after 13 min unschedulable and a resolved pull error (ANALYSIS G)', () => {
    const s = ev(pod(['registry-server']), {
      reason: 'FailedScheduling',
      message: TAINT,
      s: 0,
      lastS: 580,
      count: 4,
    })
    bind(s, 786)
    mark(s, 'sandboxReady', 789)
    const c = { container: 'registry-server' }
    ev(s, {
      reason: 'Failed',
      message:
        'Failed to pull image "registry.redhat.io/redhat/certified-operator-index:v4.9": pull QPS exceeded',
      s: 789,
      ...c,
    })
    ev(s, { reason: 'Failed', message: 'Error: ErrImagePull', s: 789, ...c })
    ev(s, {
      reason: 'Pulled',
      type: 'Normal',
      message:
        'Successfully pulled image "registry.redhat.io/redhat/certified-operator-index:v4.9" in 13.92s',
      s: 815,
      ...c,
    })
    started(s, 'registry-server', 816)
    const d = diagnose(missed(ready(s, 826)), ctx('late', 900))
    assert.equal(d?.code, 'Unschedulable.TaintNotTolerated')
    assert.ok(d?.findings.includes('ImagePullFailed'))
  })

  it('prefers over-budget slowness to a hard failure whose phase stayed within budget', () => {
    const s = ev(pod(), {
      reason: 'FailedScheduling',
      message: 'no nodes available to schedule pods',
      s: 0,
    })
    bind(s, 2)
    mark(s, 'sandboxReady', 3)
    started(s, 'app', 4)
    const d = diagnose(missed(ready(s, 490)), ctx('late', 600))
    assert.equal(d?.code, 'SlowPhase')
    assert.equal(d?.phase, 'readiness')
    assert.ok(d?.findings.includes('Unschedulable.NoNodes'))
  })

  it('names what blocks a violated pod now, not what delayed it before', () => {
    const s = ev(pod(), { reason: 'FailedScheduling', message: TAINT, s: 0, lastS: 200 })
    bind(s, 201)
    mark(s, 'sandboxReady', 202)
    started(s, 'app', 203)
    ctr(s, 'app', {
      ready: false,
      restarts: 4,
      lastTermination: { reason: 'Error', exitCode: 2, t: at(400) },
    })
    ev(s, {
      reason: 'BackOff',
      message: 'Back-off restarting failed container',
      s: 230,
      lastS: 470,
      container: 'app',
    })
    const d = diagnose(missed(s), ctx('violated', 480))
    assert.equal(d?.code, 'CrashLoopBackOff')
    assert.deepEqual(d?.findings, ['CrashLoopBackOff', 'Unschedulable.TaintNotTolerated'])
  })

  it("keeps the other findings' facts in the detail (crash loop exit code)", () => {
    const s = ev(pod(), { reason: 'FailedScheduling', message: TAINT, s: 0, lastS: 400 })
    bind(s, 401)
    mark(s, 'sandboxReady', 402)
    started(s, 'app', 403)
    ctr(s, 'app', { restarts: 2, lastTermination: { reason: 'Error', exitCode: 2, t: at(420) } })
    ev(s, {
      reason: 'BackOff',
      message: 'Back-off restarting failed container',
      s: 421,
      container: 'app',
    })
    const d = diagnose(missed(ready(s, 500)), ctx('late', 600))
    assert.equal(d?.code, 'Unschedulable.TaintNotTolerated')
    assert.match(
      d?.detail ?? '',
      /also CrashLoopBackOff: container app is crash-looping: last exit Error \(exit code 2\)/,
    )
  })

  it('knows an init container by the fieldPath of its back-off alone', () => {
    const s = bind(pod(), 1)
    s.facts = { restartPolicy: 'Always' }
    ev(s, {
      reason: 'BackOff',
      message: 'Back-off restarting failed container',
      s: 10,
      lastS: 470,
      initContainer: 'setup',
    })
    assert.equal(diagnose(missed(s), ctx('violated', 480))?.code, 'InitContainerFailed')
  })

  it('lets the newest scheduling message win and keeps the older cause in findings', () => {
    const s = ev(pod(), {
      reason: 'FailedScheduling',
      message: '0/3 nodes are available: 3 Insufficient cpu.',
      s: 0,
      lastS: 100,
    })
    ev(s, { reason: 'FailedScheduling', message: TAINT, s: 120, lastS: 470 })
    const d = diagnose(missed(s), ctx('violated', 480))
    assert.equal(d?.code, 'Unschedulable.TaintNotTolerated')
    assert.ok(d?.findings.includes('Unschedulable.InsufficientResources'))
  })

  it('gives incomplete pods the blocker, or nothing', () => {
    const quiet = bind(pod(), 1)
    mark(quiet, 'sandboxReady', 2)
    assert.equal(diagnose(quiet, ctx('incomplete', 5)), null)
    const mount = ev(structuredClone(quiet), {
      reason: 'FailedMount',
      message: 'MountVolume.SetUp failed for volume "cert" : secret "tls" not found',
      s: 1.5,
      lastS: 4,
    })
    delete mount.ms.sandboxReady
    assert.equal(diagnose(mount, ctx('incomplete', 5))?.code, 'VolumeConfigMissing')
  })

  it('prefers a pull still running over budget to a resolved minor failure', () => {
    const s = ev(pod(), {
      reason: 'FailedScheduling',
      message: 'no nodes available to schedule pods',
      s: 0,
    })
    bind(s, 1)
    mark(s, 'sandboxReady', 2)
    s.pulls['registry.example/app:1.0'] = { start: { t: at(3), p: 's', s: 'event' } }
    const d = diagnose(missed(s), ctx('violated', 480))
    assert.equal(d?.code, 'ImagePullSlow')
    assert.match(d?.summary ?? '', /still pulling after 7m57s/)
  })
})

const UNRELATED = [
  'Killing',
  'SandboxChanged',
  'SuccessfulAttachVolume',
  'Scheduled',
  'LeaderElection',
]

const unrelatedEvent = fc.record({
  reason: fc.constantFrom(...UNRELATED),
  message: fc.string({ maxLength: 40 }),
  first: fc.integer({ min: 0, max: 900 }),
  span: fc.integer({ min: 0, max: 300 }),
  component: fc.constantFrom('kubelet', 'default-scheduler', 'replicaset-controller'),
  onApp: fc.boolean(),
})

function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items]
  let x = seed || 1
  for (let i = out.length - 1; i > 0; i--) {
    x = (x * 1103515245 + 12345) % 2147483648
    const j = x % (i + 1)
    const a = out[i] as T
    out[i] = out[j] as T
    out[j] = a
  }
  return out
}

describe('diagnose: properties', () => {
  it('adding unrelated Normal events never changes the primary code', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ALL_CASES),
        fc.array(unrelatedEvent, { maxLength: 12 }),
        (c, extra) => {
          const base = diagnose(c.build(), c.ctx)
          const s = c.build()
          extra.forEach((e, i) => {
            const rec: EventRecord = {
              uid: `zz-unrelated-${i}`,
              reason: e.reason,
              type: 'Normal',
              message: e.message,
              component: e.component,
              first: at(e.first),
              firstP: 's',
              last: at(e.first + e.span),
              count: 1,
              ...(e.onApp ? { fieldPath: 'spec.containers{app}' } : {}),
            }
            s.events.push(rec)
          })
          assert.equal(diagnose(s, c.ctx)?.code, base?.code, c.name)
        },
      ),
      { numRuns: 300 },
    )
  })

  it('does not depend on the order of events or containers', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ALL_CASES),
        fc.integer({ min: 1, max: 1 << 30 }),
        (c, seed) => {
          const base = diagnose(c.build(), c.ctx)
          const s = c.build()
          s.events = shuffled(s.events, seed)
          s.containers = Object.fromEntries(shuffled(Object.entries(s.containers), seed + 1))
          assert.deepEqual(diagnose(s, c.ctx), base, c.name)
        },
      ),
      { numRuns: 200 },
    )
  })
})
