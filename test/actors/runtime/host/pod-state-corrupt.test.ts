import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { createDiagnose } from '../../../../actors/lifecycle/diagnosis-hook.ts'
import { decodeState } from '../../../../actors/lifecycle/pod-state-codec.ts'
import { serveQueries } from '../../../../actors/query/query-service.ts'
import { EmbeddedBus } from '../../../../actors/runtime/bus/embedded-bus.ts'
import { RedisStore } from '../../../../actors/runtime/store/redis-store.ts'
import { DEFAULT_SLO_CONFIG } from '../../../../config/slo-config.ts'
import { querySubject } from '../../../../protocol/subjects.ts'
import { dispose, startRedis, type TestServer } from '../../../support/servers.ts'
import { createSignal, harness, publish, putState, until } from './poison-harness.ts'

let redis: TestServer | undefined
before(async () => {
  redis = await startRedis()
})
after(async () => {
  await dispose(redis)
})

const dec = new TextDecoder()
const enc = new TextEncoder()

describe('actor host: unreadable pod states in real Redis (embedded bus)', () => {
  it('a corrupt and a newer-version state affect only their pods: moved aside, counted, restarted empty; the partition folds on and answers debugpod', async (t) => {
    const bus = new EmbeddedBus()
    const store = RedisStore.connect(redis?.url ?? '', `t-${randomUUID()}:`)
    const h = harness(bus, store)
    const config = DEFAULT_SLO_CONFIG
    const queries = serveQueries({ bus, store, config, diagnose: createDiagnose(config) })
    t.after(async () => {
      await h.stop()
      await Promise.all(queries.map((q) => q.close()))
      await bus.close()
      await store.close()
    })
    const [corrupt, newer, healthy] = [randomUUID(), randomUUID(), randomUUID()]
    await putState(store, '{"v":1,"uid":', corrupt)
    await putState(store, JSON.stringify({ v: 99, uid: newer }), newer)
    await h.start()
    await publish(bus, [
      createSignal(corrupt, 'web-corrupt'),
      createSignal(healthy, 'web-ok'),
      createSignal(newer, 'web-newer'),
    ])
    await until('all three folded', async () => {
      const states = await store.getStates([corrupt, newer, healthy])
      return states.every((s) => s?.includes('"seen":["'))
    })
    for (const uid of [corrupt, newer]) {
      const state = decodeState(uid, (await store.getState(uid)) ?? '')
      assert.equal(state.seen.length, 1, 'restarted from an empty state')
    }
    assert.equal(await store.corruptState(corrupt), '{"v":1,"uid":', 'kept aside as it was')
    assert.match((await store.corruptState(newer)) ?? '', /"v":99/)
    assert.equal(await h.counter('lunettes_pod_state_corrupt_total', { reason: 'decode' }), 2)
    assert.equal(await h.counter('lunettes_partition_events_total', { event: 'failed' }), 0)
    assert.equal(await h.counter('lunettes_partition_events_total', { event: 'acquired' }), 1)
    const ask = async (q: object) =>
      JSON.parse(
        dec.decode(
          await bus.request(querySubject('debugpod'), enc.encode(JSON.stringify(q)), 5000),
        ),
      )
    assert.equal((await ask({ uid: healthy })).uid, healthy)
    assert.equal((await ask({ namespace: 'shop', name: 'web-corrupt' })).uid, corrupt)
    // The pod keeps folding on its new state.
    const next = createSignal(corrupt, 'web-corrupt')
    await publish(bus, [next])
    await until('the next signal', async () =>
      ((await store.getState(corrupt)) ?? '').includes(next.id),
    )
  })
})
