import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createDecider } from '../../../../actors/lifecycle/decide.ts'
import { PartitionWorker } from '../../../../actors/runtime/host/partition-worker.ts'
import { MemoryStore } from '../../../../actors/runtime/store/memory-store.ts'
import { DEFAULT_SLO_CONFIG } from '../../../../config/slo-config.ts'
import type { PartitionMessage } from '../../../../protocol/envelope.ts'
import { SERVICE_FACTS, sig } from '../../../support/signals.ts'

const HOUR = 3_600_000

/** A live worker and its store on one manual clock (epoch ms). */
function setup() {
  const clock = { ms: Date.parse('2024-05-01T10:00:00Z') }
  const store = new MemoryStore({ now: () => clock.ms })
  const worker = new PartitionWorker({
    partition: 0,
    store,
    decide: createDecider({ config: DEFAULT_SLO_CONFIG }),
    mode: 'live',
    now: () => clock.ms * 1000,
    retentionMs: 1 * HOUR,
    liveTtlMs: 24 * HOUR,
  })
  return { clock, store, worker }
}

const created = (uid: string, name: string, at: string): PartitionMessage => ({
  v: 1,
  kind: 'signal',
  signal: sig({ at, uid, name, facts: SERVICE_FACTS, ops: ['pod:create:success'] }),
})

describe('partition worker: retention of states and indexes', () => {
  it('a pod never heard of again leaves the store with its name index and membership', async () => {
    const { clock, store, worker } = setup()
    await worker.recover()
    await worker.process([created('u-old', 'web-old', '2024-05-01T10:00:00Z')])
    assert.deepEqual(await store.uidsByName('shop', 'web-old'), ['u-old'])
    assert.deepEqual(await store.members(0), ['u-old'])
    // An hour on, its alarms (violated, then give-up) have fired: the last time it is written.
    clock.ms += HOUR
    await worker.process([])
    await worker.process([])
    assert.match((await store.getState('u-old')) ?? '', /"by":"give-up"/)
    clock.ms += 24 * HOUR
    await worker.process([created('u-new', 'web-new', '2024-05-02T11:00:00Z')])
    assert.equal(await store.getState('u-old'), null)
    assert.deepEqual(await store.uidsByName('shop', 'web-old'), [])
    assert.deepEqual(await store.members(0), ['u-new'], 'membership trimmed by the next write')
    assert.deepEqual(await store.uidsByName('shop', 'web-new'), ['u-new'])
  })

  it('a pod still being written keeps its name index past the first TTL', async () => {
    const { clock, store, worker } = setup()
    await worker.recover()
    await worker.process([created('u1', 'web', '2024-05-01T10:00:00Z')])
    for (let day = 1; day <= 3; day++) {
      clock.ms += 20 * HOUR
      const at = new Date(clock.ms).toISOString()
      await worker.process([
        {
          v: 1,
          kind: 'signal',
          signal: sig({ at, uid: 'u1', name: 'web', ops: ['pod:update:success'] }),
        },
      ])
    }
    assert.deepEqual(await store.uidsByName('shop', 'web'), ['u1'])
    assert.ok(await store.getState('u1'))
  })
})
