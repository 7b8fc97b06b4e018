import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { jetstreamManager } from '@nats-io/jetstream'
import { connect } from '@nats-io/transport-node'
import { NatsBus } from '../../../../actors/runtime/bus/nats-bus.ts'
import { dispose, startNats, type TestServer } from '../../../support/servers.ts'

let server: TestServer | undefined
before(async () => {
  server = await startNats()
})
after(async () => {
  await dispose(server)
})

describe('NATS consumer: a reader slower than its stream (real nats-server)', () => {
  it('pulls only while its buffer is under 4 MiB, so a backlog stays on the server', async () => {
    const url = server?.url ?? ''
    const bus = await NatsBus.connect(url, { name: 'bound' })
    const nc = await connect({ servers: url })
    try {
      await bus.ensureStream({
        name: 'BOUND',
        subjects: ['bound.*'],
        maxAgeMs: 60_000,
        maxBytes: -1,
        duplicateWindowMs: 60_000,
      })
      // 1,500 messages of 16 KiB: 24 MiB waiting, six times the buffer.
      const data = new Uint8Array(16 * 1024).fill(120)
      for (let i = 0; i < 1500; i += 100) {
        const batch = Array.from({ length: 100 }, (_, k) => ({
          subject: 'bound.0',
          data,
          msgId: `m${i + k}`,
        }))
        await bus.publish(batch)
      }
      const consumer = await bus.consumer({
        stream: 'BOUND',
        durable: 'slow',
        filterSubject: 'bound.0',
        ackWaitMs: 60_000,
      })
      const first = await consumer.fetch(1, 2000)
      assert.equal(first.length, 1)
      await sleep(1500)
      const jsm = await jetstreamManager(nc)
      const info = await jsm.consumers.info('BOUND', 'slow')
      // Delivered to the reader and not acknowledged: the buffer (256 of these) and one pull.
      assert.ok(info.num_ack_pending <= 256 + 64 + 1, `ack pending ${info.num_ack_pending}`)
      assert.ok(info.num_pending >= 1500 - 321, `left on the server: ${info.num_pending}`)
      // Taking from the buffer lets the reader pull again: everything arrives in the end.
      let got = first.length
      for (const m of first) m.ack()
      while (got < 1500) {
        const msgs = await consumer.fetch(200, 2000)
        for (const m of msgs) m.ack()
        got += msgs.length
        if (msgs.length === 0) break
      }
      assert.equal(got, 1500)
      await consumer.close()
    } finally {
      await nc.close()
      await bus.close()
    }
  })
})
