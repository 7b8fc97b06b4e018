import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { createDecider } from '../../../../actors/lifecycle/decide.ts'
import { PartitionWorker } from '../../../../actors/runtime/host/partition-worker.ts'
import { MemoryStore } from '../../../../actors/runtime/store/memory-store.ts'
import type { Store } from '../../../../actors/runtime/store/store.ts'
import { DEFAULT_SLO_CONFIG } from '../../../../config/slo-config.ts'
import type { PartitionMessage } from '../../../../protocol/envelope.ts'
import { createSignal } from './poison-harness.ts'

/** Fault-injection store: every read takes 5 ms; counts the reads in flight at once. */
function slowReads(store: Store): { store: Store; maxInFlight: () => number } {
  let now = 0
  let max = 0
  const slow =
    (read: (...a: never[]) => Promise<unknown>) =>
    async (...args: never[]) => {
      now++
      max = Math.max(max, now)
      await sleep(5)
      try {
        return await read(...args)
      } finally {
        now--
      }
    }
  const wrapped = new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver)
      if (typeof value !== 'function') return value
      const bound = value.bind(target)
      return ['getState', 'getMeta', 'nameEntries'].includes(String(prop)) ? slow(bound) : bound
    },
  })
  return { store: wrapped, maxInFlight: () => max }
}

describe('partition worker: a batch of pods new to this worker', () => {
  it('reads their directory entries and states at once, then folds them as one by one would', async () => {
    const pods = Array.from({ length: 40 }, (_, i) => createSignal(`uid-p${i}`, `web-${i}`))
    const messages: PartitionMessage[] = pods.map((signal) => ({ v: 1, kind: 'signal', signal }))
    const decide = createDecider({ config: DEFAULT_SLO_CONFIG })
    // Reference: one pod per batch (no batch to read ahead for).
    const plain = new MemoryStore()
    const one = new PartitionWorker({ partition: 0, store: plain, decide, mode: 'live' })
    for (const m of messages) await one.process([m])
    const { store, maxInFlight } = slowReads(new MemoryStore())
    const worker = new PartitionWorker({ partition: 0, store, decide, mode: 'live' })
    const result = await worker.process(messages)
    assert.equal(result.consumed, messages.length)
    assert.ok(maxInFlight() >= 40, `reads in flight at once: ${maxInFlight()}`)
    for (const p of pods) {
      const uid = p.pod.uid ?? ''
      const [a, b] = [await store.getState(uid), await plain.getState(uid)]
      assert.ok(a && b)
      assert.deepEqual(JSON.parse(a).seen, JSON.parse(b).seen)
    }
  })
})
