import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { createDecider } from '../../../actors/lifecycle/decide.ts'
import { initialState, type PodState } from '../../../actors/lifecycle/pod-state.ts'
import { toReport } from '../../../actors/lifecycle/report.ts'
import { closeSlos } from '../../../actors/lifecycle/slo.ts'
import { DEFAULT_SLO_CONFIG } from '../../../config/slo-config.ts'
import type { PodSignal } from '../../../protocol/pod-signal.ts'
import { SERVICE_FACTS, sig } from '../../support/signals.ts'

const UID = 'a1b2c3d4-0000-4000-8000-000000000001'

/** A realistic pod's signals from three sources (audit, events, a final snapshot). */
function lifecycle(readyAt: string): PodSignal[] {
  const ev = (at: string, reason: string, message: string, fieldPath?: string) =>
    sig({
      at,
      source: 'event',
      event: {
        reason,
        message,
        uid: `ev-${reason}`,
        component: reason === 'Scheduled' ? 'default-scheduler' : 'kubelet',
        ...(fieldPath ? { fieldPath } : {}),
      },
    })
  return [
    sig({ at: '2024-05-01T10:00:00.250000Z', facts: SERVICE_FACTS, ops: ['pod:create:success'] }),
    sig({
      at: '2024-05-01T10:00:00Z',
      source: 'list',
      facts: { ...SERVICE_FACTS, creationTimestamp: 1714557600000000 },
      ops: ['pod:create:success'],
    }),
    ev('2024-05-01T10:00:01.512345Z', 'Scheduled', 'Successfully assigned shop/web-1 to node-a'),
    sig({ at: '2024-05-01T10:00:01Z', source: 'list', ops: ['condition:PodScheduled:true'] }),
    sig({
      at: '2024-05-01T10:00:01.510000Z',
      uid: null,
      ops: [{ op: 'schedule:binding:success', node: 'node-a' }],
    }),
    ev('2024-05-01T10:00:02Z', 'AddedInterface', 'Add eth0 [10.128.2.7/23]'),
    ev(
      '2024-05-01T10:00:02Z',
      'Pulling',
      'Pulling image "registry.example/web:1.2"',
      'spec.containers{app}',
    ),
    ev(
      '2024-05-01T10:00:05Z',
      'Pulled',
      'Successfully pulled image "registry.example/web:1.2" in 2.9s',
      'spec.containers{app}',
    ),
    ev('2024-05-01T10:00:05Z', 'Created', 'Created container app', 'spec.containers{app}'),
    ev('2024-05-01T10:00:06Z', 'Started', 'Started container app', 'spec.containers{app}'),
    sig({
      at: '2024-05-01T10:00:06Z',
      source: 'list',
      ops: [{ op: 'containerState:app:Running', container: 'app' }],
    }),
    sig({
      at: readyAt,
      source: 'list',
      ops: ['condition:Ready:true', 'condition:ContainersReady:true'],
    }),
  ]
}

function replayInOrder(signals: PodSignal[]): string {
  const decide = createDecider({ config: DEFAULT_SLO_CONFIG })
  let state: PodState = initialState(UID, 'shop', 'web-1')
  let now = 0
  for (const s of signals) {
    now = Math.max(now, s.time)
    state = decide(state, s, now).state
  }
  closeSlos(state)
  return JSON.stringify(toReport(state, DEFAULT_SLO_CONFIG, null))
}

describe('decide: order independence (property)', () => {
  for (const readyAt of ['2024-05-01T10:00:09Z', '2024-05-01T10:09:00Z']) {
    it(`any permutation of a pod's signals gives the same report (ready ${readyAt})`, () => {
      const signals = lifecycle(readyAt)
      const expected = replayInOrder([...signals].sort((a, b) => a.time - b.time))
      fc.assert(
        fc.property(fc.shuffledSubarray(signals, { minLength: signals.length }), (perm) => {
          assert.equal(replayInOrder(perm), expected)
        }),
        { numRuns: Number(process.env.LUNETTES_PROPERTY_RUNS ?? 300) },
      )
    })
  }
})
