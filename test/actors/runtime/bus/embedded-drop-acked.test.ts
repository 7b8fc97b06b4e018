import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Consumer } from '../../../../actors/runtime/bus/bus.ts'
import { EmbeddedBus } from '../../../../actors/runtime/bus/embedded-bus.ts'
import { SeqLog } from '../../../../actors/runtime/bus/embedded-seqlog.ts'

const enc = new TextEncoder()
const dec = new TextDecoder()

async function setup(dropAcked: boolean, count = 3) {
  const bus = new EmbeddedBus({ dropAcked })
  await bus.ensureStream({
    name: 'S',
    subjects: ['s.*'],
    maxAgeMs: 3_600_000,
    maxBytes: -1,
    duplicateWindowMs: 60_000,
  })
  const reader = (durable: string) =>
    bus.consumer({ stream: 'S', durable, filterSubject: 's.a', ackWaitMs: 60_000 })
  await reader('first') // exists before anything is published
  const data = Array.from({ length: count }, (_, i) => String(i + 1))
  await bus.publish(data.map((d) => ({ subject: 's.a', data: enc.encode(d) })))
  return { bus, reader }
}

/** What a consumer created now still finds in the stream (it delivers from the start). */
async function retained(reader: (d: string) => Promise<Consumer>, max = 10) {
  const late = await reader(`late-${Math.random()}`)
  return (await late.fetch(max, 50)).map((m) => dec.decode(m.data))
}

describe('embedded bus with dropAcked (the embedded runtime, one process)', () => {
  it('drops a message once every consumer reading it acknowledged it', async () => {
    const { bus, reader } = await setup(true)
    const first = await reader('first')
    for (const m of await first.fetch(2, 50)) m.ack()
    assert.deepEqual(await retained(reader), ['3'])
    await bus.close()
  })

  it('keeps what is delivered but unacknowledged, and everything behind it', async () => {
    const { bus, reader } = await setup(true)
    const first = await reader('first')
    const [one, two] = await first.fetch(2, 50)
    two?.ack()
    assert.deepEqual(await retained(reader), ['1', '2', '3'])
    one?.nak()
    const again = await first.fetch(1, 50)
    assert.deepEqual(
      again.map((m) => dec.decode(m.data)),
      ['1'],
      'a nak brings it back',
    )
    await bus.close()
  })

  it('thousands acknowledged in order leave the stream as they go; order and content hold', async () => {
    const { bus, reader } = await setup(true, 5000)
    const first = await reader('first')
    const seen: string[] = []
    for (;;) {
      const got = await first.fetch(300, 20)
      if (got.length === 0) break
      for (const m of got) {
        seen.push(dec.decode(m.data))
        m.ack()
      }
    }
    assert.equal(seen.length, 5000)
    assert.deepEqual(seen.slice(0, 3), ['1', '2', '3'])
    assert.equal(seen.at(-1), '5000')
    assert.deepEqual(await retained(reader), [])
    await bus.close()
  })

  it('without it, acknowledged messages stay for later consumers (JetStream limits retention)', async () => {
    const { bus, reader } = await setup(false)
    const first = await reader('first')
    for (const m of await first.fetch(3, 50)) m.ack()
    assert.deepEqual(await retained(reader), ['1', '2', '3'])
    await bus.close()
  })
})

describe('SeqLog', () => {
  it('drops from the front, compacts, and still finds by sequence', () => {
    const log = new SeqLog<{ seq: number }>()
    for (let seq = 1; seq <= 5000; seq++) log.push({ seq })
    for (let i = 0; i < 3000; i++) assert.equal(log.dropFirst()?.seq, i + 1)
    assert.equal(log.length, 2000)
    assert.equal(log.first()?.seq, 3001)
    assert.equal(log.at(log.indexAfter(4000))?.seq, 4001)
    assert.equal(log.indexAfter(0), 0)
    assert.equal(log.at(log.indexAfter(5000)), undefined)
  })
})
