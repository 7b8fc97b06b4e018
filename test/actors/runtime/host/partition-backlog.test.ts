import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createDecider } from '../../../../actors/lifecycle/decide.ts'
import { PartitionWorker } from '../../../../actors/runtime/host/partition-worker.ts'
import type { BatchResult } from '../../../../actors/runtime/host/partition-worker-types.ts'
import { MemoryStore } from '../../../../actors/runtime/store/memory-store.ts'
import { DEFAULT_SLO_CONFIG } from '../../../../config/slo-config.ts'
import type { PartitionMessage } from '../../../../protocol/envelope.ts'
import { SERVICE_FACTS, sig, us } from '../../../support/signals.ts'

const A = '0e0e0e0e-0000-4000-8000-00000000000a'
const B = '0e0e0e0e-0000-4000-8000-00000000000b'
const T0 = '2024-05-01T10:00:00Z'
/** T0 plus minutes, as RFC 3339. */
const plus = (min: number) => new Date(us(T0) / 1000 + min * 60_000).toISOString()

const msg = (uid: string, name: string, at: string, ops: string[], facts = false) =>
  ({
    v: 1,
    kind: 'signal',
    signal: sig({ at, uid, name, ops, ...(facts ? { facts: SERVICE_FACTS } : {}) }),
  }) as PartitionMessage

/** A live worker whose wall clock is an hour past the signals: it is behind a backlog. */
async function behind() {
  const worker = new PartitionWorker({
    partition: 0,
    store: new MemoryStore(),
    decide: createDecider({ config: DEFAULT_SLO_CONFIG }),
    mode: 'live',
    now: () => us(plus(60)),
    backlogGraceMs: 60_000,
  })
  await worker.recover()
  return worker
}

const violated = (r: BatchResult, uid: string) =>
  r.outbox.some((o) => o.kind === 'alert' && o.alert.uid === uid && o.alert.kind === 'violated')

describe('partition worker: live alarms behind a backlog', () => {
  it('fire once the folded signals are a grace period past the deadline, not on the wall clock', async () => {
    const worker = await behind()
    // A is created and never becomes ready: its create SLO (8 min) runs out at T0+8m.
    let r = await worker.process([msg(A, 'web-a', T0, ['pod:create:success'], true)], false)
    assert.equal(violated(r, A), false, 'not judged on the wall clock, an hour on')
    r = await worker.process([msg(B, 'web-b', plus(8.9), ['pod:create:success'], true)], false)
    assert.equal(violated(r, A), false, 'the stream is only 54 s past the deadline')
    r = await worker.process([msg(B, 'web-b', plus(9.1), ['condition:Ready:true'])], false)
    assert.equal(violated(r, A), true, 'the stream is 66 s past the deadline')
  })

  it('a Ready still in the backlog is folded before the deadline is judged', async () => {
    const worker = await behind()
    await worker.process([msg(A, 'web-a', T0, ['pod:create:success'], true)], false)
    const ready = await worker.process([msg(A, 'web-a', plus(7), ['condition:Ready:true'])], false)
    const later = await worker.process(
      [msg(B, 'web-b', plus(30), ['pod:create:success'], true)],
      false,
    )
    assert.equal(violated(ready, A) || violated(later, A), false)
  })

  it('caught up, the wall clock judges at once (the rule before this one)', async () => {
    const worker = await behind()
    const r = await worker.process([msg(A, 'web-a', T0, ['pod:create:success'], true)], true)
    const kinds = r.outbox.flatMap((o) => (o.kind === 'alert' ? [o.alert.kind] : []))
    assert.deepEqual(kinds, ['failed'], 'an hour on: past its give-up already')
  })
})
