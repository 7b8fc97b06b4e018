import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { createDecider, type Decide } from '../../../../actors/lifecycle/decide.ts'
import { decodeState } from '../../../../actors/lifecycle/pod-state-codec.ts'
import type { BusMessage, ConsumerSpec } from '../../../../actors/runtime/bus/bus.ts'
import { EmbeddedBus } from '../../../../actors/runtime/bus/embedded-bus.ts'
import { LIVE_CHANNEL } from '../../../../actors/runtime/channel.ts'
import { MemoryStore } from '../../../../actors/runtime/store/memory-store.ts'
import { RedisStore } from '../../../../actors/runtime/store/redis-store.ts'
import { type Store, StoreError, type WriteOp } from '../../../../actors/runtime/store/store.ts'
import { DEFAULT_SLO_CONFIG } from '../../../../config/slo-config.ts'
import { dispose, startRedis, type TestServer } from '../../../support/servers.ts'
import {
  createSignal,
  harness,
  publish,
  putState,
  refusesFor,
  state1960,
  until,
} from './poison-harness.ts'

let redis: TestServer | undefined
before(async () => {
  redis = await startRedis()
})
after(async () => {
  await dispose(redis)
})

const stores: [string, () => Store][] = [
  ['memory store', () => new MemoryStore()],
  ['real redis', () => RedisStore.connect(redis?.url ?? '', `t-${randomUUID()}:`)],
]

const nowUs = () => Date.now() * 1000

for (const [kind, makeStore] of stores) {
  for (const shape of ['single', 'batch'] as const) {
    describe(`actor host: one poisoned signal in a batch (embedded bus, ${kind}, ${shape} messages)`, () => {
      it('a batch the store refuses for one pod (fault-injection store refusing its rollup, as it refused a 1960 minute before protocol/ guarded it) dead-letters that signal alone; the rest is persisted and acked', async (t) => {
        const bus = new EmbeddedBus()
        const store = makeStore()
        const bad = randomUUID()
        const h = harness(bus, refusesFor(store, bad))
        t.after(async () => {
          await h.stop()
          await bus.close()
          await store.close()
        })
        await putState(store, state1960(bad, 'old-1', nowUs()), bad)
        const healthy = [randomUUID(), randomUUID(), randomUUID()]
        const signals = [
          createSignal(healthy[0] ?? '', 'web-a'),
          createSignal(bad, 'old-1', 'poison:1960'),
          createSignal(healthy[1] ?? '', 'web-b'),
          createSignal(healthy[2] ?? '', 'web-c'),
        ]
        await publish(bus, signals, shape)
        await h.start()
        await until('the healthy pods are persisted', async () => {
          const states = await store.getStates(healthy)
          return states.every((s) => s !== null)
        })
        await until(
          'the batch is acknowledged',
          async () =>
            (await h.counter('lunettes_signals_deadlettered_total', { reason: 'persist' })) === 1,
        )
        const letters = await h.deadLetters()
        assert.equal(letters.length, 1)
        const [letter] = letters
        assert.equal(letter?.reason, 'persist')
        assert.equal(letter?.subject, LIVE_CHANNEL.subjectOf(0))
        assert.equal(letter?.deliveries, 1)
        assert.equal(letter?.partition, 0)
        assert.match(letter?.error ?? '', /planted refusal/)
        assert.equal(
          (letter?.message as { signal?: { id?: string } } | undefined)?.signal?.id,
          'poison:1960',
        )
        // In a batch message only that signal is dead-lettered, as its own single envelope.
        assert.equal(letter?.part, shape === 'batch' ? 1 : undefined)
        assert.equal((letter?.message as { kind?: string } | undefined)?.kind, 'signal')
        // The poisoned pod kept the state it had (nothing of its signal was written).
        const kept = decodeState(bad, (await store.getState(bad)) ?? '')
        assert.equal(kept.seen.includes('poison:1960'), false)
        const events = (e: string) => h.counter('lunettes_partition_events_total', { event: e })
        assert.equal(await events('failed'), 0, 'the partition never failed')
        assert.equal(await events('retried'), 0)
        assert.equal(await events('acquired'), 1, 'nor restarted')
        assert.equal(h.logs.filter((l) => l.level === 'error').length, 0)
        assert.equal(
          h.logs.filter((l) => l.msg === 'signal dead-lettered').length,
          1,
          'logged once',
        )
        // Everything was acknowledged: nothing comes back.
        const consumer = await bus.consumer({
          stream: LIVE_CHANNEL.stream,
          durable: LIVE_CHANNEL.durableOf(0),
          filterSubject: LIVE_CHANNEL.subjectOf(0),
          ackWaitMs: 5000,
        })
        assert.equal(await consumer.pending(), 0)
        // A later healthy signal on the same partition folds at once.
        const late = randomUUID()
        await publish(bus, [createSignal(late, 'web-d')])
        await until('a later pod folds', async () => (await store.getState(late)) !== null)
      })

      it('a fold that throws (fault-injection decide) dead-letters only that signal', async (t) => {
        const bus = new EmbeddedBus()
        const store = makeStore()
        const real = createDecider({ config: DEFAULT_SLO_CONFIG, inPlace: true })
        const decide: Decide = (state, input, now) => {
          if ('id' in input && input.id === 'poison:fold') throw new Error('planted fold failure')
          return real(state, input, now)
        }
        const h = harness(bus, store, { decide })
        t.after(async () => {
          await h.stop()
          await bus.close()
          await store.close()
        })
        const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()]
        // The poisoned signal is the pod's second: its first one, in the same batch, still lands.
        await publish(
          bus,
          [
            createSignal(a, 'web-a'),
            createSignal(b, 'web-b'),
            createSignal(b, 'web-b', 'poison:fold'),
            createSignal(c, 'web-c'),
          ],
          shape,
        )
        await h.start()
        await until(
          'a dead letter',
          async () =>
            (await h.counter('lunettes_signals_deadlettered_total', { reason: 'fold' })) === 1,
        )
        for (const uid of [a, b, c]) assert.ok(await store.getState(uid), `pod ${uid} persisted`)
        const [letter] = await h.deadLetters()
        assert.equal(letter?.reason, 'fold')
        assert.match(letter?.error ?? '', /planted fold failure/)
        const sb = decodeState(b, (await store.getState(b)) ?? '')
        assert.equal(sb.seen.length, 1, 'the poisoned signal left no trace in its pod')
        assert.equal(await h.counter('lunettes_partition_events_total', { event: 'failed' }), 0)
        assert.equal(letter?.part, shape === 'batch' ? 2 : undefined)
      })
    })
  }
}

/** Fault-injection store: writes of pod `uid` fail as if the store were away (retryable). */
function awayFor(store: Store, uid: string): Store {
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'write') {
        return async (ops: readonly WriteOp[]) => {
          if (ops.some((op) => op.op === 'state' && op.uid === uid)) {
            throw new StoreError('redis write failed: planted outage')
          }
          return target.write(ops)
        }
      }
      const value = Reflect.get(target, prop, receiver)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
}

describe('actor host: max_deliver (embedded bus and memory store)', () => {
  it('a signal that keeps failing with a retryable error (fault-injection store: a planted outage) is dead-lettered after max_deliver deliveries, not looped', async (t) => {
    const bus = new EmbeddedBus()
    const store = new MemoryStore()
    const bad = randomUUID()
    const h = harness(bus, awayFor(store, bad), { maxDeliver: 3, ackWaitMs: 300, leaseTtlMs: 300 })
    t.after(async () => {
      await h.stop()
      await bus.close()
    })
    await h.start()
    await publish(bus, [createSignal(bad, 'web-x', 'poison:away')])
    await until(
      'the dead letter',
      async () =>
        (await h.counter('lunettes_signals_deadlettered_total', { reason: 'max-deliver' })) === 1,
      20_000,
    )
    const [letter] = await h.deadLetters()
    assert.equal(letter?.deliveries, 3)
    assert.equal(letter?.reason, 'max-deliver')
    assert.equal(await h.counter('lunettes_partition_events_total', { event: 'retried' }), 2)
    assert.equal(await h.counter('lunettes_partition_events_total', { event: 'failed' }), 0)
    const good = randomUUID()
    await publish(bus, [createSignal(good, 'web-y')])
    await until('the partition goes on', async () => (await store.getState(good)) !== null)
  })

  it('the embedded consumer stops delivering after max_deliver and waits the backoff between deliveries', async () => {
    let now = 0
    const bus = new EmbeddedBus({ now: () => now })
    await bus.ensureStream({
      name: 'S',
      subjects: ['s.*'],
      maxAgeMs: 0,
      maxBytes: -1,
      duplicateWindowMs: 0,
    })
    const spec: ConsumerSpec = {
      stream: 'S',
      durable: 'd',
      filterSubject: 's.1',
      ackWaitMs: 100,
      maxDeliver: 3,
      backoffMs: [100, 1000],
    }
    const c = await bus.consumer(spec)
    await bus.publish([{ subject: 's.1', data: new Uint8Array([1]) }])
    const take = async (): Promise<BusMessage[]> => c.fetch(10, 0)
    assert.deepEqual(
      (await take()).map((m) => m.deliveries),
      [1],
    )
    now = 150
    assert.deepEqual(
      (await take()).map((m) => m.deliveries),
      [2],
      'after the first backoff',
    )
    now = 900
    assert.deepEqual(await take(), [], 'the second backoff is longer')
    now = 1200
    assert.deepEqual(
      (await take()).map((m) => m.deliveries),
      [3],
    )
    now = 10_000
    assert.deepEqual(await take(), [], 'never a fourth delivery')
    assert.equal(await c.pending(), 0, 'and no longer pending')
    await bus.close()
  })
})
