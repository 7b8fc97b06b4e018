import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createDecider } from '../../../../actors/lifecycle/decide.ts'
import { PartitionWorker } from '../../../../actors/runtime/host/partition-worker.ts'
import { META } from '../../../../actors/runtime/host/worker-batch.ts'
import { MemoryStore } from '../../../../actors/runtime/store/memory-store.ts'
import { StoreConflictError } from '../../../../actors/runtime/store/store.ts'
import { DEFAULT_SLO_CONFIG } from '../../../../config/slo-config.ts'
import type { PartitionMessage } from '../../../../protocol/envelope.ts'
import { SERVICE_FACTS, sig } from '../../../support/signals.ts'

const UID = '0c0c0c0c-0000-4000-8000-000000000003'

const worker = (store: MemoryStore) =>
  new PartitionWorker({
    partition: 0,
    store,
    decide: createDecider({ config: DEFAULT_SLO_CONFIG }),
    mode: 'replay',
  })

/** The n-th replay message of the partition (seq n), a signal of one pod. */
const nth = (n: number): PartitionMessage => ({
  v: 1,
  kind: 'signal',
  seq: n,
  signal: sig({
    at: `2024-05-01T10:00:0${n}.1Z`,
    uid: UID,
    ...(n === 1 ? { facts: SERVICE_FACTS, ops: ['pod:create:success'] } : {}),
  }),
})

const conflict = (err: unknown) => {
  assert.ok(err instanceof StoreConflictError, String(err))
  assert.equal(err.partition, 0)
  return true
}

describe('partition worker: two owners of one partition (a lapsed lease)', () => {
  it('the owner that recovered before the other wrote is refused, then catches up from the store', async () => {
    const store = new MemoryStore()
    const stale = worker(store)
    const fresh = worker(store)
    await stale.recover()
    await fresh.recover()
    await fresh.process([nth(1), nth(2)])
    await assert.rejects(stale.process([nth(1)]), conflict)
    assert.equal(await store.getMeta(META.seq(0)), '3', 'the refused batch wrote nothing')
    const again = worker(store)
    await again.recover()
    assert.equal(again.nextSeq, 3)
    const result = await again.process([nth(3)])
    assert.equal(result.consumed, 1)
  })

  it('a worker holding back past a gap notices that another owner consumed the missing messages', async () => {
    const store = new MemoryStore()
    const waiting = worker(store)
    await waiting.recover()
    const other = worker(store)
    await other.recover()
    // The other owner took seq 1 and 2 and acknowledged them; only seq 3 comes to `waiting`.
    await other.process([nth(1), nth(2)])
    await assert.rejects(waiting.process([nth(3)]), conflict)
  })

  it('a gap with no other owner is just held back (the message comes again later)', async () => {
    const store = new MemoryStore()
    const only = worker(store)
    await only.recover()
    const result = await only.process([nth(2), nth(3)])
    assert.equal(result.consumed, 0)
    assert.equal(only.nextSeq, 1)
    assert.equal((await only.process([nth(1), nth(2), nth(3)])).consumed, 3)
  })

  it('clearing the outbox is fenced too: a stale owner cannot drop the new owner’s pending effects', async () => {
    const store = new MemoryStore()
    const pending = JSON.stringify([{ kind: 'trace', uid: UID, action: 'PodCreate' }])
    await store.write([{ op: 'meta', key: META.outbox(0), value: pending }])
    const stale = worker(store)
    assert.equal((await stale.recover()).length, 1)
    const fresh = worker(store)
    await fresh.recover()
    await fresh.process([nth(1)])
    const kept = await store.getMeta(META.outbox(0))
    assert.ok(kept?.includes('PodCreate'), 'the new owner keeps the effect pending')
    await assert.rejects(stale.outboxPublished(), conflict)
    assert.equal(await store.getMeta(META.outbox(0)), kept)
  })
})
