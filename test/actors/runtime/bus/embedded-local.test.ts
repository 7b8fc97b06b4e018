import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  BusFullError,
  type OutMessage,
  type StreamSpec,
} from '../../../../actors/runtime/bus/bus.ts'
import { EmbeddedBus } from '../../../../actors/runtime/bus/embedded-bus.ts'
import { localMessage, localValue } from '../../../../actors/runtime/bus/embedded-local.ts'

const dec = new TextDecoder()
const enc = new TextEncoder()

const spec = (over: Partial<StreamSpec> = {}): StreamSpec => ({
  name: 'S',
  subjects: ['s.*'],
  maxAgeMs: 60_000,
  maxBytes: -1,
  duplicateWindowMs: 60_000,
  discard: 'new',
  ...over,
})

const values = Array.from({ length: 5 }, (_, i) => ({ v: 1, kind: 'clock', time: i, seq: i + 1 }))
const local = (i: number) => localMessage('s.0', values[i], `m${i}`)
const plain = (i: number): OutMessage => ({
  subject: 's.0',
  data: enc.encode(JSON.stringify(values[i])),
  msgId: `m${i}`,
})

async function bus(over: Partial<StreamSpec> = {}, dropAcked = false): Promise<EmbeddedBus> {
  const b = new EmbeddedBus({ dropAcked })
  await b.ensureStream(spec(over))
  return b
}

describe('embedded bus: messages published with their object (localMessage)', () => {
  it('deliver the object and, when read, the same bytes as the encoded message', async () => {
    const b = await bus()
    const c = await b.consumer({ stream: 'S', durable: 'd', filterSubject: 's.0', ackWaitMs: 1e4 })
    await b.publish([local(0), local(1)])
    const got = await c.fetch(10, 1000)
    assert.deepEqual(
      got.map((m) => localValue(m)),
      [values[0], values[1]],
    )
    assert.deepEqual(
      got.map((m) => JSON.parse(dec.decode(m.data))),
      [values[0], values[1]],
    )
    assert.equal(got[0]?.data, got[0]?.data, 'one copy per delivery')
    await b.close()
  })

  it('count the same stream bytes as their encoded form, and none once acknowledged', async () => {
    const lazy = await bus({}, true)
    const eager = await bus({}, true)
    const readers = await Promise.all(
      [lazy, eager].map((x) =>
        x.consumer({ stream: 'S', durable: 'd', filterSubject: 's.0', ackWaitMs: 1e4 }),
      ),
    )
    await lazy.publish([0, 1, 2].map(local))
    await eager.publish([0, 1, 2].map(plain))
    const [a, b] = await Promise.all([lazy.streamUsage('S'), eager.streamUsage('S')])
    assert.ok(a && b && b.bytes > 0)
    assert.deepEqual(a, b)
    for (const msg of (await readers[0]?.fetch(10, 1000)) ?? []) msg.ack()
    assert.deepEqual(await lazy.streamUsage('S'), { ...a, bytes: 0, messages: 0 })
    await lazy.close()
    await eager.close()
  })

  it('meet a byte cap as encoded messages do (refused when full, nothing dropped)', async () => {
    const size = 's.0'.length + plain(0).data.byteLength + 'm0'.length
    const b = await bus({ maxBytes: 2 * size + 1 })
    await b.publish([local(0), local(1)])
    await assert.rejects(b.publish([local(2)]), BusFullError)
    assert.equal((await b.streamUsage('S'))?.bytes, 2 * size)
    await b.close()
  })

  it('meet a message cap and publish dedupe while stored unencoded', async () => {
    const b = await bus({ maxMessages: 2 })
    await b.publish([local(0), local(1), local(1)])
    await assert.rejects(b.publish([local(2)]), BusFullError)
    assert.equal((await b.streamUsage('S'))?.messages, 2)
    await b.close()
  })

  it('a byte cap set later counts the messages already stored unencoded', async () => {
    const b = await bus()
    await b.publish([local(0), local(1)])
    const before = await b.streamUsage('S')
    await b.ensureStream(spec({ maxBytes: 10_000 }))
    assert.equal((await b.streamUsage('S'))?.bytes, before?.bytes)
    await b.close()
  })
})
