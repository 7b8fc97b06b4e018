import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createDecider, type Effect } from '../../../actors/lifecycle/decide.ts'
import { initialState, type PodState } from '../../../actors/lifecycle/pod-state.ts'
import { toReport } from '../../../actors/lifecycle/report.ts'
import { closeSlos } from '../../../actors/lifecycle/slo.ts'
import { DEFAULT_SLO_CONFIG, parseSloConfig, type SloConfig } from '../../../config/slo-config.ts'
import type { PodSignal } from '../../../protocol/pod-signal.ts'
import { SERVICE_FACTS, sig, us } from '../../support/signals.ts'

const UID = 'a1b2c3d4-0000-4000-8000-000000000001'

/** Folds signals in order with now = the newest signal time (the replay watermark). */
export function run(signals: PodSignal[], config: SloConfig = DEFAULT_SLO_CONFIG, end?: string) {
  const decide = createDecider({ config })
  let state: PodState = initialState(UID, 'shop', 'web-1')
  let now = 0
  const effects: Effect[] = []
  for (const s of signals) {
    now = Math.max(now, s.time)
    if (state.alarm !== null && state.alarm <= now) {
      const fired = decide(state, { kind: 'alarm' }, now)
      state = fired.state
      effects.push(...fired.effects)
    }
    const d = decide(state, s, now)
    state = d.state
    effects.push(...d.effects)
  }
  if (end) {
    const d = decide(state, { kind: 'alarm' }, us(end))
    state = d.state
    effects.push(...d.effects)
  }
  return { state, effects, report: () => toReport(state, config, null) }
}

const created = (at = '2024-05-01T10:00:00.250000Z') =>
  sig({ at, ops: ['pod:create:success', 'schedule:default-scheduler:entry'], facts: SERVICE_FACTS })
const bound = (at = '2024-05-01T10:00:01.100000Z') =>
  sig({ at, uid: null, ops: [{ op: 'schedule:binding:success', node: 'node-a' }] })
const ready = (at: string, source: PodSignal['source'] = 'audit') =>
  sig({ at, source, actor: 'system:node:node-a', ops: ['condition:Ready:true'] })
const started = (at: string) =>
  sig({ at, ops: [{ op: 'containerState:app:Running', container: 'app' }] })
const alerts = (effects: Effect[]) =>
  effects.flatMap((e) => (e.type === 'alert' ? [e.alert.id.split(':').slice(1).join(':')] : []))

describe('decide: milestones', () => {
  it('a µs audit time replaces a same-second creationTimestamp, whatever the order', () => {
    const list = sig({
      at: '2024-05-01T10:00:00Z',
      source: 'list',
      facts: { creationTimestamp: us('2024-05-01T10:00:00Z') },
      ops: ['pod:create:success'],
    })
    for (const order of [
      [list, created()],
      [created(), list],
    ]) {
      const m = run(order).report().milestones.created
      assert.deepEqual(m, { time: '2024-05-01T10:00:00.250000Z', precision: 'us', source: 'audit' })
    }
  })
  it('an earlier second-precision time beats a later µs time outside its window', () => {
    const r = run([
      sig({ at: '2024-05-01T10:00:02.500000Z', ops: ['condition:PodScheduled:true'] }),
      sig({
        at: '2024-05-01T10:00:01Z',
        source: 'event',
        event: {
          reason: 'Scheduled',
          message: 'Successfully assigned shop/web-1 to node-a',
          component: 'default-scheduler',
        },
      }),
      created(),
    ]).report()
    assert.equal(r.milestones.scheduled?.time, '2024-05-01T10:00:01Z')
    assert.equal(r.node, 'node-a')
  })
  it('binding, sandbox, pulls, start and ready give every phase', () => {
    const r = run([
      created(),
      bound(),
      sig({
        at: '2024-05-01T10:00:02Z',
        source: 'event',
        event: { reason: 'Pulling', message: 'Pulling image "registry.example/web:1.2"' },
      }),
      sig({
        at: '2024-05-01T10:00:12Z',
        source: 'event',
        event: {
          reason: 'Pulled',
          message:
            'Successfully pulled image "registry.example/web:1.2" in 9.84s (9.84s including waiting)',
        },
      }),
      started('2024-05-01T10:00:13.000000Z'),
      ready('2024-05-01T10:00:20.000000Z'),
    ]).report()
    assert.deepEqual(r.phases, {
      schedule: 850,
      nodeSetup: 900,
      imagePull: 10000,
      init: null,
      containerStart: 11000,
      readiness: 7000,
    })
    assert.equal(r.sli.deliveryMs, 19750)
    assert.equal(r.sli.startupMs, 12750 - 10000)
    assert.equal(r.sli.platformMs, 19750 - 7000)
    assert.equal(r.slo.create.result, 'success')
  })
  it('a static mirror pod has no scheduled milestone and is not penalised for it', () => {
    const r = run([
      sig({
        at: '2024-05-01T10:00:00Z',
        source: 'list',
        facts: { ...SERVICE_FACTS, staticPod: true, nodeName: 'node-a' },
        ops: ['pod:create:success', 'condition:PodScheduled:true'],
      }),
      ready('2024-05-01T10:00:30Z', 'list'),
    ]).report()
    assert.equal(r.staticPod, true)
    assert.equal(r.preassigned, true)
    assert.equal(r.milestones.scheduled, undefined)
    assert.equal(r.phases.schedule, null)
    assert.equal(r.slo.create.result, 'success')
  })
  it('a pod created with spec.nodeName is preassigned', () => {
    const r = run([
      sig({
        at: '2024-05-01T10:00:00.100000Z',
        facts: { ...SERVICE_FACTS, nodeName: 'node-a' },
        ops: ['pod:create:success'],
      }),
      sig({ at: '2024-05-01T10:00:01Z', ops: ['condition:PodScheduled:true'] }),
    ]).report()
    assert.equal(r.preassigned, true)
    assert.equal(r.milestones.scheduled, undefined)
  })
})

describe('decide: create SLO verdicts', () => {
  it('success when Ready comes within the SLO', () => {
    const { report, effects } = run([created(), bound(), ready('2024-05-01T10:01:00Z')])
    assert.equal(report().slo.create.result, 'success')
    assert.deepEqual(alerts(effects), [])
    assert.ok(effects.some((e) => e.type === 'trace' && e.action === 'PodCreate'))
  })
  it('violated at the deadline, then late and recovered when Ready comes', () => {
    const { report, effects } = run([
      created(),
      bound(),
      sig({ at: '2024-05-01T10:08:00.250001Z', ops: ['condition:Ready:false'] }),
      ready('2024-05-01T10:09:00Z'),
    ])
    const r = report()
    assert.equal(r.slo.create.result, 'late')
    assert.equal(r.slo.create.deadline, '2024-05-01T10:08:00.250000Z')
    assert.equal(r.slo.create.violatedAt, '2024-05-01T10:08:00.250000Z')
    assert.deepEqual(alerts(effects), ['create:violated', 'create:late', 'create:recovered'])
  })
  it('killed when deleted before the deadline without becoming ready', () => {
    const r = run([
      created(),
      sig({ at: '2024-05-01T10:02:00Z', ops: [{ op: 'pod:delete:success', grace: 30 }] }),
    ]).report()
    assert.equal(r.slo.create.result, 'killed')
    assert.equal(r.milestones.scheduled, undefined)
  })
  it('no verdict from a delete when only Events describe a pod that got placed (Ready unseen)', () => {
    const ev = (at: string, reason: string) =>
      sig({
        at,
        source: 'event',
        event: { reason, message: `${reason} container app`, fieldPath: 'spec.containers{app}' },
      })
    const { state, effects } = run(
      [
        sig({ at: '2024-05-01T10:00:00Z', source: 'event', ops: ['owner:pod:created'] }),
        ev('2024-05-01T10:00:05Z', 'Started'),
        sig({ at: '2024-05-01T10:20:00Z', source: 'event', ops: ['owner:pod:deleted'] }),
      ],
      DEFAULT_SLO_CONFIG,
      '2024-05-01T11:00:00Z',
    )
    closeSlos(state)
    assert.equal(toReport(state, DEFAULT_SLO_CONFIG, null).slo.create.result, 'incomplete')
    assert.deepEqual(alerts(effects), [])
  })
  it('killed when only Events describe a pod that was never scheduled before its delete', () => {
    const r = run([
      sig({ at: '2024-05-01T10:00:00Z', source: 'event', ops: ['owner:pod:created'] }),
      sig({
        at: '2024-05-01T10:00:00.5Z',
        source: 'event',
        event: {
          reason: 'FailedScheduling',
          type: 'Warning',
          component: 'default-scheduler',
          message: '0/3 nodes are available: 3 Insufficient cpu.',
        },
      }),
      sig({
        at: '2024-05-01T10:00:20Z',
        source: 'event',
        event: {
          reason: 'FailedScheduling',
          type: 'Warning',
          component: 'default-scheduler',
          message: 'skip schedule deleting pod: shop/web-1',
        },
      }),
    ]).report()
    assert.equal(r.slo.create.result, 'killed')
    assert.equal(r.milestones.scheduled, undefined)
  })
  it('failed when deleted after the deadline without becoming ready', () => {
    const r = run([
      created(),
      sig({ at: '2024-05-01T10:20:00Z', ops: [{ op: 'pod:delete:success', grace: 30 }] }),
    ]).report()
    assert.equal(r.slo.create.result, 'failed')
  })
  it('killed whatever the time in an IgnoreDeleteReasonNamespace', () => {
    const config = parseSloConfig({ IgnoreDeleteReasonNamespace: ['shop'] })
    const r = run(
      [created(), sig({ at: '2024-05-01T10:20:00Z', ops: ['pod:delete:success'] })],
      config,
    ).report()
    assert.equal(r.slo.create.result, 'killed')
  })
  it('failed when the pod phase goes Failed before Ready', () => {
    const r = run([
      created(),
      bound(),
      sig({ at: '2024-05-01T10:00:05Z', ops: [{ op: 'phase:Failed:set', reason: 'OutOfcpu' }] }),
    ]).report()
    assert.equal(r.slo.create.result, 'failed')
  })
  it('failed at the give-up time when nothing more happens', () => {
    const { report, effects } = run([created()], DEFAULT_SLO_CONFIG, '2024-05-01T10:40:00Z')
    assert.equal(report().slo.create.result, 'failed')
    assert.deepEqual(alerts(effects), ['create:failed'])
  })
  it('failed when the API server rejected the create', () => {
    const r = run([
      sig({
        at: '2024-05-01T10:00:00.1Z',
        ops: [{ op: 'pod:create:failed', code: 403, message: 'exceeded quota: compute' }],
      }),
    ]).report()
    assert.equal(r.slo.create.result, 'failed')
  })
  it('incomplete when the input ends before a verdict', () => {
    const { state } = run([created(), bound()])
    closeSlos(state)
    assert.equal(toReport(state, DEFAULT_SLO_CONFIG, null).slo.create.result, 'incomplete')
  })
  it('a namespace in UserOnlineConfigMap replaces the default threshold', () => {
    const config = parseSloConfig({ UserOnlineConfigMap: { shop: '1m30s' } })
    const r = run([created(), bound(), ready('2024-05-01T10:02:00Z')], config).report()
    assert.equal(r.slo.create.thresholdMs, 90_000)
    assert.equal(r.slo.create.result, 'late')
  })
  it('a job is delivered when its container runs, and uses the job default', () => {
    const facts = { ...SERVICE_FACTS, restartPolicy: 'Never' }
    const r = run([
      sig({ at: '2024-05-01T10:00:00Z', facts, ops: ['pod:create:success'] }),
      bound(),
      started('2024-05-01T10:00:30Z'),
    ]).report()
    assert.equal(r.slo.create.thresholdMs, 90_000)
    assert.equal(r.slo.create.result, 'success')
    assert.equal(r.sli.deliveryMs, 30_000)
  })
  it('a job that fails before any container ran is a failed delivery', () => {
    const facts = { ...SERVICE_FACTS, restartPolicy: 'OnFailure' }
    const r = run([
      sig({ at: '2024-05-01T10:00:00Z', facts, ops: ['pod:create:success'] }),
      sig({ at: '2024-05-01T10:00:10Z', ops: ['phase:Failed:set'] }),
    ]).report()
    assert.equal(r.slo.create.result, 'failed')
  })
})

describe('decide: delete SLO, dedupe, late signals', () => {
  it('delete success, late and timeout', () => {
    const del = (at: string) => sig({ at, ops: [{ op: 'pod:delete:success', grace: 30 }] })
    const gone = (at: string) => sig({ at, ops: ['pod:deleted:success'] })
    const ok = run([
      created(),
      ready('2024-05-01T10:01:00Z'),
      del('2024-05-01T11:00:00Z'),
      gone('2024-05-01T11:00:31Z'),
    ]).report()
    assert.deepEqual([ok.slo.delete?.result, ok.sli.deleteMs], ['success', 31_000])
    const late = run([
      created(),
      ready('2024-05-01T10:01:00Z'),
      del('2024-05-01T11:00:00Z'),
      gone('2024-05-01T11:12:00Z'),
    ]).report()
    assert.equal(late.slo.delete?.result, 'late')
    const timeout = run(
      [created(), ready('2024-05-01T10:01:00Z'), del('2024-05-01T11:00:00Z')],
      DEFAULT_SLO_CONFIG,
      '2024-05-01T11:40:00Z',
    )
    assert.equal(timeout.report().slo.delete?.result, 'timeout')
    assert.equal(timeout.report().slo.create.result, 'success')
  })
  it('a redelivered signal changes nothing and emits nothing', () => {
    const decide = createDecider({ config: DEFAULT_SLO_CONFIG })
    const s = created()
    const first = decide(initialState(UID, 'shop', 'web-1'), s, s.time)
    const again = decide(first.state, s, s.time)
    assert.equal(again.state, first.state)
    assert.deepEqual(again.effects, [])
  })
  it('a Ready flip after the verdict does not change it; late events are still recorded', () => {
    const r = run([
      created(),
      ready('2024-05-01T10:01:00Z'),
      sig({ at: '2024-05-01T10:30:00Z', ops: ['condition:Ready:false'] }),
      sig({
        at: '2024-05-01T10:30:05Z',
        source: 'event',
        event: {
          reason: 'BackOff',
          type: 'Warning',
          message: 'Back-off restarting failed container',
        },
      }),
      ready('2024-05-01T10:31:00Z'),
    ])
    assert.equal(r.report().milestones.ready?.time, '2024-05-01T10:01:00Z')
    assert.equal(r.report().slo.create.result, 'success')
    assert.equal(r.state.events.length, 1)
  })
  it('restart counts add up over containers', () => {
    const r = run([
      created(),
      sig({
        at: '2024-05-01T10:05:00Z',
        ops: [{ op: 'containerRestartCount:app:3', container: 'app', count: 3 }],
      }),
    ]).report()
    assert.equal(r.restarts, 3)
  })
  it('the alarm is armed at the deadline and then at the give-up time', () => {
    const { state } = run([created()])
    assert.equal(state.alarm, us('2024-05-01T10:08:00.250000Z'))
    const decide = createDecider({ config: DEFAULT_SLO_CONFIG })
    const fired = decide(state, { kind: 'alarm' }, us('2024-05-01T10:08:00.300000Z'))
    assert.equal(fired.state.slo.create.result, 'violated')
    assert.equal(fired.state.alarm, us('2024-05-01T10:35:00.250000Z'))
  })
})
