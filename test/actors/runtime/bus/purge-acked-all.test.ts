import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { NatsBus } from '../../../../actors/runtime/bus/nats-bus.ts'
import { dispose, startNats, type TestServer } from '../../../support/servers.ts'

const enc = (text: string) => new TextEncoder().encode(text)
const dec = (data: Uint8Array) => new TextDecoder().decode(data)

let nats: TestServer | undefined
before(async () => {
  nats = await startNats()
})
after(async () => {
  await dispose(nats)
})

describe('purgeAckedByAll (real nats-server)', () => {
  it('purges up to the lowest ack floor of the partition consumers, nothing while one is missing; unacknowledged messages are delivered again afterwards', async (t) => {
    const bus = await NatsBus.connect(nats?.url ?? '')
    t.after(() => bus.close())
    const stream = 'PURGE_ALL'
    await bus.ensureStream({
      name: stream,
      subjects: ['pa.*'],
      maxAgeMs: 0,
      maxBytes: -1,
      duplicateWindowMs: 0,
      discard: 'new',
    })
    const msg = (p: number, text: string) => ({ subject: `pa.${p}`, data: enc(text) })
    // Stream seqs 1..6: p0 a, p1 b, p0 c, p1 d, p0 e, p1 f.
    await bus.publish([
      msg(0, 'a'),
      msg(1, 'b'),
      msg(0, 'c'),
      msg(1, 'd'),
      msg(0, 'e'),
      msg(1, 'f'),
    ])
    const spec = (p: number) => ({
      stream,
      durable: `c${p}`,
      filterSubject: `pa.${p}`,
      ackWaitMs: 1000,
    })
    const c0 = await bus.consumer(spec(0))
    assert.equal(await bus.purgeAckedByAll(stream, ['c0', 'c1']), 0, 'c1 does not exist yet')
    for (const m of await c0.fetch(10, 500)) m.ack()
    const c1 = await bus.consumer(spec(1))
    const [b] = await c1.fetch(1, 500)
    b?.ack()
    await sleep(200)
    // c0 acked up to seq 5, c1 up to seq 2: seqs 1-2 go, c1's d (4) and f (6) stay.
    assert.equal(await bus.purgeAckedByAll(stream, ['c0', 'c1']), 2)
    await c1.close()
    const again = await bus.consumer(spec(1))
    // At least once: a message handed back on close may come twice.
    const seen = new Set<string>()
    for (let i = 0; i < 10 && seen.size < 2; i++) {
      for (const m of await again.fetch(10, 500)) {
        seen.add(dec(m.data))
        m.ack()
      }
    }
    assert.deepEqual([...seen].sort(), ['d', 'f'])
    await again.close()
    await c0.close()
  })
})
