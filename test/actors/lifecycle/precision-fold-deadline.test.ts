import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { foldOp } from '../../../actors/lifecycle/fold-ops.ts'
import { initialState, type PodState, supersedes } from '../../../actors/lifecycle/pod-state.ts'
import { evaluateSlos, metDeadline, nextAlarm } from '../../../actors/lifecycle/slo.ts'
import { DEFAULT_SLO_CONFIG } from '../../../config/slo-config.ts'
import type { PodOp } from '../../../protocol/pod-signal.ts'
import type { Precision } from '../../../protocol/time.ts'
import { at } from '../../support/diagnosis-state.ts'

type Obs = [number, Precision]

describe('supersedes: fold-time newest wins, as intervals', () => {
  const rows: [string, Obs, Obs | null, boolean][] = [
    ['nothing kept yet: taken', [5, 's'], null, true],
    ['surely newer (next second, coarse): taken', [6, 's'], [5.4, 'us'], true],
    ['surely older (previous second, coarse): kept', [4, 's'], [5.4, 'us'], false],
    ['µs 10:00:05.4 after s 10:00:05 (ambiguous): the µs one wins', [5.4, 'us'], [5, 's'], true],
    ['s 10:00:05 after µs 10:00:05.4 (ambiguous): the µs one stays', [5, 's'], [5.4, 'us'], false],
    ['s 10:00:05 after s 10:00:05: the later arrival wins', [5, 's'], [5, 's'], true],
    ['µs 10:00:05.2 after µs 10:00:05.4: surely older, kept', [5.2, 'us'], [5.4, 'us'], false],
    ['µs 10:00:05.4 after µs 10:00:05.2: surely newer', [5.4, 'us'], [5.2, 'us'], true],
  ]
  for (const [name, c, prev, want] of rows) {
    it(name, () => {
      const q = prev ? { t: at(prev[0]), p: prev[1] } : null
      assert.equal(supersedes({ t: at(c[0]), p: c[1] }, q), want)
    })
  }
  it('a kept time without a precision takes the one its value implies', () => {
    assert.equal(supersedes({ t: at(5), p: 's' }, { t: at(5.4) }), false)
    assert.equal(supersedes({ t: at(5.4), p: 'us' }, { t: at(5) }), true)
  })
})

function fold(state: PodState, s: number, p: Precision, op: PodOp): void {
  const source = p === 's' ? 'watch' : 'audit'
  const pod = { namespace: 'shop', name: 'web-1' }
  foldOp(state, { v: 1, id: `x${s}${p}`, source, time: at(s), precision: p, pod, ops: [op] }, op)
}

/** Folds the two observations in both arrival orders, with the coarse one anywhere in its second. */
function bothOrders(
  a: [number, Precision, PodOp],
  b: [number, Precision, PodOp],
  read: (s: PodState) => unknown,
): unknown[] {
  const out: unknown[] = []
  for (const shift of [0, 0.3, 0.999]) {
    const move = (x: [number, Precision, PodOp]): [number, Precision, PodOp] =>
      x[1] === 's' ? [x[0] + shift, x[1], x[2]] : x
    for (const order of [
      [move(a), move(b)],
      [move(b), move(a)],
    ]) {
      const s = initialState('u-1', 'shop', 'web-1')
      for (const [t, p, op] of order) fold(s, t, p, op)
      out.push(read(s))
    }
  }
  return out
}

describe('fold sites: the same facts give the same state whatever the order or the shift', () => {
  it('conditions: Ready=False (µs 05.4) and Ready=True (s 05) — the µs one is kept', () => {
    const got = bothOrders(
      [5.4, 'us', { op: 'condition:Ready:False', reason: 'ContainersNotReady' }],
      [5, 's', { op: 'condition:Ready:True' }],
      (s) => s.conditions.Ready?.status,
    )
    assert.deepEqual(new Set(got), new Set(['false']))
  })
  it('conditions in different seconds: the newer one wins from either order', () => {
    const got = bothOrders(
      [5.4, 'us', { op: 'condition:Ready:False' }],
      [6, 's', { op: 'condition:Ready:True' }],
      (s) => s.conditions.Ready?.status,
    )
    assert.deepEqual(new Set(got), new Set(['true']))
  })
  it('phase: Pending (s 05) and Running (µs 05.7) — Running', () => {
    const got = bothOrders(
      [5, 's', { op: 'phase:Pending:set' }],
      [5.7, 'us', { op: 'phase:Running:set' }],
      (s) => s.phase?.value,
    )
    assert.deepEqual(new Set(got), new Set(['Running']))
  })
  it('container waiting: ContainerCreating (µs 05.1) and ErrImagePull (s 05) — the µs one', () => {
    const got = bothOrders(
      [
        5.1,
        'us',
        { op: 'containerState:app:Waiting', container: 'app', reason: 'ContainerCreating' },
      ],
      [5, 's', { op: 'containerState:app:Waiting', container: 'app', reason: 'ErrImagePull' }],
      (s) => s.containers.app?.waiting?.reason,
    )
    assert.deepEqual(new Set(got), new Set(['ContainerCreating']))
  })
  it('container terminated: Error 137 (s 07) and Completed 0 (µs 07.2) — the µs one', () => {
    const got = bothOrders(
      [
        7,
        's',
        { op: 'containerState:app:terminated', container: 'app', reason: 'Error', exitCode: 137 },
      ],
      [
        7.2,
        'us',
        { op: 'containerState:app:terminated', container: 'app', reason: 'Completed', exitCode: 0 },
      ],
      (s) => s.containers.app?.lastTermination?.reason,
    )
    assert.deepEqual(new Set(got), new Set(['Completed']))
  })
})

describe('metDeadline: an end met its deadline unless surely after it', () => {
  const rows: [string, Obs, Obs, boolean][] = [
    ['µs end before a µs deadline', [479.9, 'us'], [480, 'us'], true],
    ['µs end exactly at a µs deadline', [480, 'us'], [480, 'us'], true],
    ['µs end 1 µs after a µs deadline: late', [480.000001, 'us'], [480, 'us'], false],
    ['s end 10:08:05 in a µs deadline 10:08:05.3 second: met', [485, 's'], [485.3, 'us'], true],
    ['s end 10:08:06 after a µs deadline 10:08:05.3: late', [486, 's'], [485.3, 'us'], false],
    ['µs end 10:08:05.7 in a coarse deadline 10:08:05: met', [485.7, 'us'], [485, 's'], true],
    ['µs end 10:08:06.0 after a coarse deadline 10:08:05: late', [486, 'us'], [485, 's'], false],
    ['s end in the coarse deadline second: met', [485, 's'], [485, 's'], true],
  ]
  for (const [name, end, dl, want] of rows) {
    it(name, () => {
      assert.equal(metDeadline({ t: at(end[0]), p: end[1] }, { t: at(dl[0]), p: dl[1] }), want)
    })
  }
})

/** A bound pod created at T0 + createdS (precision p), Ready at readyS, judged at `now`. */
function createVerdict(createdS: number, p: Precision, readyS: number, readyP: Precision) {
  const s = initialState('u-2', 'shop', 'web-1')
  s.seenObject = true
  s.facts = { owner: { kind: 'ReplicaSet', name: 'web' }, restartPolicy: 'Always' }
  s.ms.created = { t: at(createdS), p, s: p === 's' ? 'watch' : 'audit' }
  s.ms.ready = { t: at(readyS), p: readyP, s: 'audit' }
  evaluateSlos(s, Number.NEGATIVE_INFINITY, DEFAULT_SLO_CONFIG)
  return { result: s.slo.create.result, violatedAt: s.slo.create.violatedAt }
}

describe('slo sites: create and delete deadlines judged as intervals', () => {
  it('create: a coarse creation shifted inside its second keeps the verdict (480 s SLO)', () => {
    for (const shift of [0, 0.25, 0.999]) {
      // Ready at 10:08:00.5 (µs), created "10:00:00" (s): deadline second 10:08:00 → met.
      assert.deepEqual(createVerdict(shift, 's', 480.5, 'us'), {
        result: 'success',
        violatedAt: null,
      })
      // Ready at 10:08:01.0: surely after the deadline's second → late.
      assert.equal(createVerdict(shift, 's', 481, 'us').result, 'late')
    }
  })
  it('create: a µs creation keeps the exact comparison', () => {
    assert.equal(createVerdict(0, 'us', 480, 'us').result, 'success')
    assert.equal(createVerdict(0, 'us', 480.001, 'us').result, 'late')
    assert.equal(createVerdict(0.5, 'us', 480, 's').result, 'success')
    assert.equal(createVerdict(0.5, 'us', 481, 's').result, 'late')
  })
  it('create: the violated alarm of a coarse deadline is due at the end of its second', () => {
    const s = initialState('u-3', 'shop', 'web-1')
    s.seenObject = true
    s.facts = { owner: { kind: 'ReplicaSet', name: 'web' }, restartPolicy: 'Always' }
    s.ms.created = { t: at(0), p: 's', s: 'watch' }
    assert.equal(nextAlarm(s, DEFAULT_SLO_CONFIG), at(481))
    assert.deepEqual(evaluateSlos(s, at(480.5), DEFAULT_SLO_CONFIG), [])
    assert.equal(evaluateSlos(s, at(481), DEFAULT_SLO_CONFIG)[0]?.kind, 'violated')
    s.ms.created = { t: at(0), p: 'us', s: 'audit' }
    s.slo.create = { result: 'pending', thresholdMs: null, violatedAt: null, final: false }
    assert.equal(nextAlarm(s, DEFAULT_SLO_CONFIG), at(480))
  })
  it('delete: deleted in the second of a coarse delete deadline is success, after it late', () => {
    for (const [deletedS, want] of [
      [600.6, 'success'],
      [601, 'late'],
    ] as const) {
      for (const shift of [0, 0.4, 0.999]) {
        const s = initialState('u-4', 'shop', 'web-1')
        s.seenObject = true
        s.facts = { owner: { kind: 'ReplicaSet', name: 'web' }, restartPolicy: 'Always' }
        s.ms.created = { t: at(-100), p: 'us', s: 'audit' }
        s.ms.ready = { t: at(-90), p: 'us', s: 'audit' }
        s.ms.deleteRequested = { t: at(shift), p: 's', s: 'watch' }
        s.ms.deleted = { t: at(deletedS), p: 'us', s: 'audit' }
        evaluateSlos(s, Number.NEGATIVE_INFINITY, DEFAULT_SLO_CONFIG)
        assert.equal(s.slo.delete?.result, want, `deleted ${deletedS}, shift ${shift}`)
      }
    }
  })
})
