import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { EmbeddedBus } from '../../../../actors/runtime/bus/embedded-bus.ts'
import { ensureChannel, replayChannel } from '../../../../actors/runtime/channel.ts'
import { MemoryStore } from '../../../../actors/runtime/store/memory-store.ts'
import { replayDoneSubject } from '../../../../protocol/envelope.ts'
import { harness } from './poison-harness.ts'

const enc = new TextEncoder()

describe('replay host: delivery counts (embedded bus and memory store)', () => {
  // A replay partition needs every seq: messages past a gap are handed back until it is filled,
  // and each hand-back is a delivery. Counted against max_deliver, they were dropped (or
  // dead-lettered) before the gap filled, and the partition then waited for them forever.
  it('messages held past a gap for longer than max_deliver hand-backs are still folded; the partition ends', async (t) => {
    const bus = new EmbeddedBus()
    const store = new MemoryStore()
    const ch = replayChannel('gap1')
    const h = harness(bus, store, { mode: 'replay', channel: ch, maxDeliver: 3, ackWaitMs: 300 })
    const done: unknown[] = []
    const sub = bus.subscribe(replayDoneSubject('gap1'), (_s, data) =>
      done.push(JSON.parse(new TextDecoder().decode(data))),
    )
    t.after(async () => {
      await sub.close()
      await h.stop()
      await bus.close()
    })
    await ensureChannel(bus, ch)
    const clock = (seq: number, end = false) => ({
      subject: ch.subjectOf(0),
      data: enc.encode(
        JSON.stringify({ v: 1, kind: 'clock', time: seq * 1e6, seq, end, run: 'gap1' }),
      ),
    })
    await h.start()
    // seq 2 and 3 first: held back past the gap every ~200 ms, far more often than max_deliver.
    await bus.publish([clock(2), clock(3, true)])
    await sleep(1500)
    await bus.publish([clock(1)])
    const deadline = Date.now() + 10_000
    while (done.length === 0 && Date.now() < deadline) await sleep(50)
    assert.equal(done.length, 1, 'the partition reported its end')
    assert.equal((await h.deadLetters()).length, 0, 'nothing dead-lettered')
  })
})
