import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { type BusMessage, BusUnavailableError } from '../../../../actors/runtime/bus/bus.ts'
import { NatsBus } from '../../../../actors/runtime/bus/nats-bus.ts'
import { pendingBecomes, runBusContract } from '../../../support/bus-contract.ts'
import { dispose, freePort, startNats, type TestServer } from '../../../support/servers.ts'

let server: TestServer | undefined

function url(): string {
  if (!server) throw new Error('nats-server not started')
  return server.url
}

before(async () => {
  server = await startNats()
})

after(async () => {
  await dispose(server)
})

runBusContract('nats', async () => {
  const bus = await NatsBus.connect(url(), { name: 'bus-contract' })
  return { bus, cleanup: () => bus.close() }
})

/** Retries while the client reconnects after a server restart. */
async function retry<T>(op: () => Promise<T>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      return await op()
    } catch (err: unknown) {
      if (!(err instanceof BusUnavailableError) || Date.now() > deadline) throw err
      await sleep(100)
    }
  }
}

describe('NatsBus on a real server', () => {
  it('says JetStream must be enabled when the server runs without it', async (t) => {
    const port = await freePort()
    const plain = spawn('nats-server', ['-a', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' })
    const exited = new Promise((resolve) => plain.once('exit', resolve))
    t.after(async () => {
      plain.kill('SIGKILL')
      await exited
    })
    const bus = await retry(() => NatsBus.connect(`nats://127.0.0.1:${port}`), 5000)
    t.after(() => bus.close())
    const spec = { name: 'NOJS', subjects: ['nojs.>'], maxAgeMs: 0, maxBytes: -1 }
    await assert.rejects(bus.ensureStream({ ...spec, duplicateWindowMs: 1000 }), (err: unknown) => {
      assert.ok(err instanceof BusUnavailableError)
      assert.match(err.message, /JetStream is not enabled/)
      assert.match(err.message, /-js/)
      assert.match(err.message, /jetstream \{\}/)
      return true
    })
    await assert.rejects(bus.kv('NOJS', 1000), /JetStream is not enabled/)
  })

  it('loses no message across a server restart while a consumer is in use; acked ones never return', async (t) => {
    const bus = await NatsBus.connect(url(), { name: 'restart' })
    t.after(() => bus.close())
    const id = randomUUID().slice(0, 8)
    const subject = `t${id}.0`
    await bus.ensureStream({
      name: `T${id}`,
      subjects: [`t${id}.>`],
      maxAgeMs: 60_000,
      maxBytes: -1,
      duplicateWindowMs: 10_000,
    })
    const consumer = await bus.consumer({
      stream: `T${id}`,
      durable: 'd',
      filterSubject: subject,
      ackWaitMs: 2000,
    })
    const publish = (from: number, to: number) =>
      bus.publish(
        Array.from({ length: to - from }, (_, i) => ({
          subject,
          data: new TextEncoder().encode(`m${from + i}`),
          msgId: `m${from + i}`,
        })),
      )
    const seen = new Map<string, number>()
    const take = (batch: BusMessage[]) => {
      for (const m of batch) {
        const text = new TextDecoder().decode(m.data)
        seen.set(text, (seen.get(text) ?? 0) + 1)
        m.ack()
      }
    }
    await publish(0, 10)
    for (let i = 0; i < 20 && seen.size < 5; i++) take(await consumer.fetch(5 - seen.size, 2000))
    assert.equal(seen.size, 5)
    // The ack is fire-and-forget: wait until the server has applied it.
    await pendingBecomes(consumer, 5)
    // A pull request is open on the server when it goes down: it must end, not hang.
    const during = consumer.fetch(5, 3000).catch((err: unknown) => err)
    await server?.restart()
    const interrupted = await during
    if (Array.isArray(interrupted)) take(interrupted)
    else assert.ok(interrupted instanceof BusUnavailableError, String(interrupted))
    await retry(() => publish(0, 20))
    for (let i = 0; i < 10 && seen.size < 20; i++) {
      take(await retry(() => consumer.fetch(20 - seen.size, 2000)))
    }
    assert.deepEqual([...seen.keys()].sort(), Array.from({ length: 20 }, (_, i) => `m${i}`).sort())
    // Acked before the restart: exactly once. Delivered but unacked (prefetched) when the server
    // went down: delivered again, which actors absorb by signal id.
    assert.ok(
      Array.from({ length: 5 }, (_, i) => seen.get(`m${i}`)).every((n) => n === 1),
      `acked ones once: ${JSON.stringify([...seen])}`,
    )
    await retry(() => pendingBecomes(consumer, 0))
    await sleep(2500)
    assert.deepEqual(await consumer.fetch(5, 1000), [])
  })
})
