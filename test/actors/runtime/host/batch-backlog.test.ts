import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Consumer, ConsumerSpec } from '../../../../actors/runtime/bus/bus.ts'
import { EmbeddedBus } from '../../../../actors/runtime/bus/embedded-bus.ts'
import { MemoryStore } from '../../../../actors/runtime/store/memory-store.ts'
import { MAX_BATCH_SIGNALS } from '../../../../protocol/envelope-batch.ts'
import { createSignal, harness, publish, until } from './poison-harness.ts'

/** An embedded bus that records how many messages each fetch of a partition asked for. */
class CountingBus extends EmbeddedBus {
  readonly asked: number[] = []

  override async consumer(spec: ConsumerSpec): Promise<Consumer> {
    const inner = await super.consumer(spec)
    return {
      fetch: (max, expiresMs) => {
        this.asked.push(max)
        return inner.fetch(max, expiresMs)
      },
      pending: () => inner.pending(),
      close: () => inner.close(),
    }
  }
}

describe('actor host: a backlog of webhook batch messages', () => {
  it('is taken about batchSize signals at a time, not batchSize messages of hundreds each', async (t) => {
    const bus = new CountingBus()
    const store = new MemoryStore()
    // 60 full batch messages (one partition): 6,000 signals waiting when the host starts.
    for (let b = 0; b < 60; b++) {
      const signals = Array.from({ length: MAX_BATCH_SIGNALS }, (_, i) =>
        createSignal(`uid-${b}-${i}`, `web-${b}-${i}`),
      )
      await publish(bus, signals, 'batch')
    }
    const h = harness(bus, store, { batchSize: 256 })
    t.after(async () => {
      await h.stop()
      await bus.close()
      await store.close()
    })
    await h.start()
    await until('every signal folded', async () => {
      return (
        (await h.counter('lunettes_signals_total', { outcome: 'applied' })) ===
        60 * MAX_BATCH_SIGNALS
      )
    })
    // The first fetch is cautious (16 messages); then about 256 / 100 signals per message.
    const [first, ...rest] = bus.asked
    assert.equal(first, 16)
    assert.ok(rest.length > 0 && rest.every((n) => n <= 8), `fetches asked ${bus.asked.join(',')}`)
    assert.ok(
      rest.some((n) => n <= 3),
      `settles near 256 signals a fetch: ${bus.asked.join(',')}`,
    )
  })
})
