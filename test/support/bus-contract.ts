import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { describe, it, type TestContext } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import {
  type Bus,
  type BusMessage,
  BusUnavailableError,
  type Consumer,
  NoRespondersError,
  RequestTimeoutError,
  type StreamSpec,
} from '../../actors/runtime/bus/bus.ts'

/** Builds a fresh bus for one test and tears it down. */
export type MakeBus = () => Promise<{ bus: Bus; cleanup(): Promise<void> }>

const enc = (text: string) => new TextEncoder().encode(text)
const dec = (data: Uint8Array) => new TextDecoder().decode(data)
const texts = (messages: BusMessage[]) => messages.map((m) => dec(m.data))
const ACK_WAIT_MS = 300

/** Fresh names for one test: stream `T…`, subjects under `t….`, bucket `T…`. */
function fresh() {
  const id = randomUUID().slice(0, 8)
  return { stream: `T${id}`, subject: `t${id}`, bucket: `T${id}` }
}

async function until(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) assert.fail('condition not met in time')
    await sleep(10)
  }
}

/**
 * The one contract every Bus implementation passes (the RivetKit driver-suite pattern): the
 * embedded bus and the NATS bus run it unchanged.
 */
/** Acks reach the server asynchronously: wait until the consumer's lag settles at `n`. */
export async function pendingBecomes(c: Consumer, n: number, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let last = await c.pending()
  while (last !== n) {
    if (Date.now() > deadline) assert.fail(`pending stayed ${last}, expected ${n}`)
    await sleep(20)
    last = await c.pending()
  }
}

/**
 * Fetches until `n` messages arrived or `timeoutMs` passed: `fetch` hands out what is available
 * now, so a test that expects several messages collects them.
 */
async function take(c: Consumer, n: number, timeoutMs: number): Promise<BusMessage[]> {
  const out: BusMessage[] = []
  const until = Date.now() + timeoutMs
  while (out.length < n && Date.now() < until) {
    out.push(...(await c.fetch(n - out.length, Math.max(1, until - Date.now()))))
  }
  return out
}

/** Everything available until one fetch comes back empty. */
async function drain(c: Consumer, idleMs: number): Promise<BusMessage[]> {
  const out: BusMessage[] = []
  for (;;) {
    const got = await c.fetch(1000, idleMs)
    if (got.length === 0) return out
    out.push(...got)
  }
}

export function runBusContract(name: string, make: MakeBus): void {
  async function open(t: TestContext, limits: Partial<StreamSpec> = {}) {
    const { bus, cleanup } = await make()
    t.after(cleanup)
    const names = fresh()
    const stream: StreamSpec = {
      name: names.stream,
      subjects: [`${names.subject}.>`],
      maxAgeMs: 60_000,
      maxBytes: -1,
      duplicateWindowMs: 10_000,
      ...limits,
    }
    await bus.ensureStream(stream)
    const consumer = (durable: string, partition = 0, ackWaitMs = ACK_WAIT_MS): Promise<Consumer> =>
      bus.consumer({
        stream: names.stream,
        durable,
        filterSubject: `${names.subject}.${partition}`,
        ackWaitMs,
      })
    const publish = (texts: string[], partition = 0) => {
      const subject = `${names.subject}.${partition}`
      return bus.publish(texts.map((text) => ({ subject, data: enc(text), msgId: text })))
    }
    return { bus, names, stream, consumer, publish }
  }

  describe(`bus contract: ${name}`, () => {
    it('ensureStream is idempotent and a consumer delivers in stream order', async (t) => {
      const { bus, stream, consumer, publish } = await open(t)
      await bus.ensureStream(stream)
      await bus.ensureStream({ ...stream, maxAgeMs: 120_000 })
      const c = await consumer('d')
      await publish(['a', 'b', 'c', 'd', 'e'])
      const got = await take(c, 5, 2000)
      assert.deepEqual(texts(got), ['a', 'b', 'c', 'd', 'e'])
      assert.deepEqual(
        got.map((m) => m.msgId),
        ['a', 'b', 'c', 'd', 'e'],
      )
      assert.ok(got.every((m, i) => i === 0 || m.seq > (got[i - 1]?.seq ?? 0)))
      assert.ok(got.every((m) => m.deliveries === 1))
      for (const m of got) m.ack()
    })

    it('drops a publish whose msgId was seen within the window', async (t) => {
      const { consumer, publish } = await open(t)
      await publish(['x', 'y'])
      await publish(['x'])
      const c = await consumer('d', 0, 30_000)
      assert.equal(await c.pending(), 2)
      const got = await drain(c, 500)
      assert.deepEqual(texts(got), ['x', 'y'])
    })

    it('redelivers an unacked message after the ack wait, and never an acked one', async (t) => {
      const { consumer, publish } = await open(t)
      const c = await consumer('d')
      await publish(['m1', 'm2'])
      const first = await take(c, 2, 2000)
      assert.equal(first.length, 2)
      first[1]?.ack()
      const again = await c.fetch(1, 3000)
      assert.equal(again.length, 1)
      assert.equal(again[0]?.seq, first[0]?.seq)
      assert.ok((again[0]?.deliveries ?? 0) >= 2)
      again[0]?.ack()
      await sleep(ACK_WAIT_MS + 200)
      assert.deepEqual(await c.fetch(5, 1000), [])
    })

    it('redelivers a nak at once, or after its delay', async (t) => {
      const { consumer, publish } = await open(t)
      const c = await consumer('d', 0, 30_000)
      await publish(['n1', 'n2'])
      const [n1, n2] = await take(c, 2, 2000)
      n1?.nak()
      n2?.ack()
      const again = await c.fetch(1, 2000)
      assert.equal(again[0]?.seq, n1?.seq)
      assert.equal(again[0]?.deliveries, 2)
      const started = Date.now()
      again[0]?.nak(600)
      const late = await c.fetch(1, 3000)
      assert.equal(late[0]?.seq, n1?.seq)
      assert.ok(Date.now() - started >= 450, `nak delay honoured (${Date.now() - started} ms)`)
      late[0]?.ack()
    })

    it('gives two durable consumers only their own partition', async (t) => {
      const { consumer, publish } = await open(t)
      const c0 = await consumer('p0', 0)
      const c1 = await consumer('p1', 1)
      await publish(['a0', 'b0'], 0)
      await publish(['a1'], 1)
      await publish(['c0'], 0)
      const got0 = await take(c0, 3, 2000)
      const got1 = await c1.fetch(1, 2000)
      assert.deepEqual(texts(got0), ['a0', 'b0', 'c0'])
      assert.deepEqual(texts(got1), ['a1'])
      for (const m of [...got0, ...got1]) m.ack()
      await pendingBecomes(c0, 0)
      await pendingBecomes(c1, 0)
    })

    it('counts pending; a re-created durable resumes after the last ack', async (t) => {
      const { consumer, publish } = await open(t)
      await publish(['r1', 'r2', 'r3', 'r4', 'r5'])
      const first = await consumer('d')
      assert.equal(await first.pending(), 5)
      const before = await take(first, 3, 2000)
      for (const m of before) m.ack()
      await pendingBecomes(first, 2)
      // A host restart: the same durable, a new reader (what the old one held comes back).
      await first.close()
      const after = await consumer('d')
      // At least once: a prefetched message handed back may come twice, never not at all.
      const rest: BusMessage[] = []
      const until = Date.now() + ACK_WAIT_MS + 3000
      while (!['r4', 'r5'].every((x) => texts(rest).includes(x)) && Date.now() < until) {
        const got = await after.fetch(5, 500)
        for (const m of got) m.ack()
        rest.push(...got)
      }
      assert.deepEqual([...new Set(texts(rest))].sort(), ['r4', 'r5'])
      await sleep(ACK_WAIT_MS + 200)
      for (const m of await drain(after, 300)) m.ack()
      assert.deepEqual(await after.fetch(5, 500), [])
    })

    it('keeps only the newest messages within max bytes, and none past max age', async (t) => {
      const { consumer, publish } = await open(t, { maxBytes: 4096 })
      await publish(Array.from({ length: 100 }, (_, i) => `${i}`.padStart(100, '.')))
      const got = await drain(await consumer('d', 0, 30_000), 500)
      assert.ok(got.length > 0 && got.length < 100, `kept ${got.length}`)
      assert.equal(dec(got.at(-1)?.data ?? enc('')), '99'.padStart(100, '.'))
      const aged = await open(t, { maxAgeMs: 1000, duplicateWindowMs: 1000 })
      await aged.publish(['old'])
      await sleep(1800)
      const c = await aged.consumer('d')
      assert.equal(await c.pending(), 0)
      assert.deepEqual(await c.fetch(1, 1000), [])
    })

    it('rejects a publish no stream captures, and a consumer of a missing stream', async (t) => {
      const { bus, names } = await open(t)
      const nowhere = [{ subject: `x${names.subject}.0`, data: enc('x') }]
      await assert.rejects(bus.publish(nowhere), BusUnavailableError)
      const spec = {
        stream: `${names.stream}X`,
        durable: 'd',
        filterSubject: 'a.b',
        ackWaitMs: 1000,
      }
      await assert.rejects(bus.consumer(spec), BusUnavailableError)
    })

    it('delivers core messages to wildcard subscribers; streams keep emitted ones', async (t) => {
      const { bus, names, consumer, publish } = await open(t)
      const star: string[] = []
      const tail: string[] = []
      const s1 = bus.subscribe(`${names.subject}.*`, (subject) => star.push(subject))
      const s2 = bus.subscribe(`${names.subject}.>`, (subject) => tail.push(subject))
      bus.emit(`${names.subject}.1`, enc('e1'))
      bus.emit(`${names.subject}.x.y`, enc('e2'))
      await publish(['p0'])
      await until(() => star.length === 2 && tail.length === 3)
      assert.deepEqual(star.sort(), [`${names.subject}.0`, `${names.subject}.1`])
      assert.deepEqual(tail.sort(), [
        `${names.subject}.0`,
        `${names.subject}.1`,
        `${names.subject}.x.y`,
      ])
      const kept = await (await consumer('d', 1)).fetch(1, 2000)
      assert.equal(dec(kept[0]?.data ?? enc('')), 'e1')
      assert.equal(kept[0]?.msgId, undefined)
      await s1.close()
      await s2.close()
    })

    it('answers a request once per queue group; no responders; timeout', async (t) => {
      const { bus, names } = await open(t)
      // Not under the stream's subjects: JetStream would answer a request there with a PubAck.
      const subject = `q${names.subject}`
      const calls = [0, 0]
      const servers = [0, 1].map((i) =>
        bus.serve(subject, 'hosts', async (data) => {
          calls[i] = (calls[i] ?? 0) + 1
          return enc(dec(data).toUpperCase())
        }),
      )
      for (let i = 0; i < 6; i++) {
        assert.equal(dec(await bus.request(subject, enc(`r${i}`), 2000)), `R${i}`)
      }
      assert.equal((calls[0] ?? 0) + (calls[1] ?? 0), 6)
      await Promise.all(servers.map((s) => s.close()))
      await assert.rejects(bus.request(subject, enc('x'), 1000), NoRespondersError)
      const slow = bus.serve(`${subject}.slow`, 'hosts', async (data) => {
        await sleep(500)
        return data
      })
      await assert.rejects(bus.request(`${subject}.slow`, enc('x'), 100), RequestTimeoutError)
      await slow.close()
    })

    it('KV: create if absent, compare-and-set update, delete', async (t) => {
      const { bus, names } = await open(t)
      const kv = await bus.kv(names.bucket, 60_000)
      assert.equal(await kv.get('k'), null)
      const r1 = await kv.create('k', enc('v1'))
      assert.ok(typeof r1 === 'number' && r1 > 0)
      assert.equal(await kv.create('k', enc('other')), null)
      const got = await kv.get('k')
      assert.deepEqual([dec(got?.value ?? enc('')), got?.revision], ['v1', r1])
      assert.equal(await kv.update('k', enc('v2'), r1 + 100), null)
      const r2 = await kv.update('k', enc('v2'), r1)
      assert.ok(r2 !== null && r2 > r1)
      const r3 = await kv.put('k', enc('v3'))
      assert.ok(r3 > r2)
      await kv.delete('k', r2)
      assert.equal(dec((await kv.get('k'))?.value ?? enc('')), 'v3')
      await kv.delete('k', r3)
      assert.equal(await kv.get('k'), null)
      assert.equal(await kv.update('k', enc('v4'), r3), null)
      const r4 = await kv.create('k', enc('again'))
      assert.ok(r4 !== null && r4 > r3)
      await kv.delete('k')
      assert.equal(await kv.get('k'), null)
      assert.equal(await (await bus.kv(names.bucket, 60_000)).get('k'), null)
    })

    it('KV: entries expire after the TTL; a write restarts it', async (t) => {
      const { bus, names } = await open(t)
      const kv = await bus.kv(names.bucket, 1000)
      const lease = await kv.create('lease', enc('host-a'))
      assert.ok(lease !== null)
      await kv.put('gone', enc('x'))
      await sleep(600)
      const renewed = await kv.update('lease', enc('host-a'), lease)
      assert.ok(renewed !== null)
      await sleep(700)
      assert.equal(await kv.get('gone'), null)
      assert.equal((await kv.get('lease'))?.revision, renewed)
      await sleep(900)
      assert.equal(await kv.get('lease'), null)
      assert.equal(await kv.update('lease', enc('host-a'), renewed), null)
      assert.ok((await kv.create('lease', enc('host-b'))) !== null)
    })

    it('rejects calls after close', async (t) => {
      const { bus, publish } = await open(t)
      await bus.close()
      await assert.rejects(publish(['late']), BusUnavailableError)
      await assert.rejects(bus.request('a.b', enc(''), 100), BusUnavailableError)
      assert.throws(() => bus.emit('a.b', enc('')), BusUnavailableError)
      await bus.close()
    })
  })
}
