import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, it, type TestContext } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { pino } from 'pino'
import {
  type Bus,
  BusFullError,
  BusUnavailableError,
  type StreamLimits,
  type StreamSpec,
  type StreamStats,
  withLimits,
} from '../../../../actors/runtime/bus/bus.ts'
import { EmbeddedBus } from '../../../../actors/runtime/bus/embedded-bus.ts'
import { NatsBus } from '../../../../actors/runtime/bus/nats-bus.ts'
import { LIVE_CHANNEL } from '../../../../actors/runtime/channel.ts'
import { createApp } from '../../../../gateway/app.ts'
import { SIGNALS_STREAM } from '../../../../protocol/subjects.ts'
import { podLifecycle } from '../../../support/audit-fixtures.ts'
import { micros } from '../../../support/audit-fixtures-base.ts'
import { dispose, startNats, type TestServer } from '../../../support/servers.ts'

const enc = (text: string) => new TextEncoder().encode(text)
const dec = (data: Uint8Array) => new TextDecoder().decode(data)

let nats: TestServer | undefined
before(async () => {
  nats = await startNats()
})
after(() => dispose(nats))

type MakeBus = (limits?: StreamLimits) => Promise<Bus & StreamStats>

const drivers: [string, MakeBus][] = [
  [
    'embedded',
    async (limits) => new EmbeddedBus({ dropAcked: true, ...(limits ? { limits } : {}) }),
  ],
  [
    'nats',
    async (limits) => {
      if (!nats) throw new Error('nats-server not started')
      return NatsBus.connect(nats.url, limits ? { limits } : {})
    },
  ],
]

function spec(over: Partial<StreamSpec> = {}): StreamSpec {
  const id = randomUUID().slice(0, 8)
  return {
    name: `L${id}`,
    subjects: [`l${id}.*`],
    maxAgeMs: 60_000,
    maxBytes: 2000,
    duplicateWindowMs: 60_000,
    ...over,
  }
}

const subjectOf = (s: StreamSpec) => (s.subjects[0] ?? '').replace('*', '0')

async function open(t: TestContext, make: MakeBus, limits?: StreamLimits) {
  const bus = await make(limits)
  t.after(() => bus.close())
  return bus
}

/** Publishes 100-byte messages one at a time until one is refused; returns the accepted ones. */
async function fill(bus: Bus, subject: string, max = 200): Promise<{ ok: string[]; err: unknown }> {
  const ok: string[] = []
  for (let i = 0; i < max; i++) {
    const text = `m${i}`.padEnd(100, '.')
    try {
      await bus.publish([{ subject, data: enc(text), msgId: `id-${i}` }])
      ok.push(text)
    } catch (err: unknown) {
      return { ok, err }
    }
  }
  return { ok, err: undefined }
}

for (const [name, make] of drivers) {
  describe(`${name} bus: a full discard-new stream refuses publishes and drops nothing`, () => {
    it('refuses with BusFullError (named BusUnavailableError, code bus_full); every accepted message is delivered', async (t) => {
      const bus = await open(t, make)
      const s = spec({ discard: 'new' })
      await bus.ensureStream(s)
      const { ok, err } = await fill(bus, subjectOf(s))
      assert.ok(err instanceof BusFullError, `refused with ${String(err)}`)
      assert.ok(err instanceof BusUnavailableError)
      assert.equal(err.name, 'BusUnavailableError')
      assert.equal(err.code, 'bus_full')
      assert.equal(err.stream, s.name)
      assert.match(err.message, /full/)
      assert.ok(ok.length >= 5 && ok.length < 20, `accepted ${ok.length}`)
      const usage = await bus.streamUsage(s.name)
      assert.equal(usage?.messages, ok.length)
      assert.equal(usage?.maxBytes, 2000)
      const c = await bus.consumer({
        stream: s.name,
        durable: 'd',
        filterSubject: subjectOf(s),
        ackWaitMs: 30_000,
      })
      const got: string[] = []
      for (let round = 0; round < 20 && got.length < ok.length; round++) {
        for (const m of await c.fetch(100, 500)) {
          got.push(dec(m.data))
          m.ack()
        }
      }
      assert.deepEqual(got, ok, 'the oldest messages were kept, in order')
      // Processed messages free the stream (embedded: on ack; NATS: the host purges them).
      await sleep(100)
      await bus.purgeAcked(s.name, 'd', subjectOf(s))
      await bus.publish([{ subject: subjectOf(s), data: enc('after'), msgId: 'after' }])
      assert.equal((await bus.streamUsage(s.name))?.messages, 1)
      await c.close()
    })

    it('a message cap refuses the same way', async (t) => {
      const bus = await open(t, make)
      const s = spec({ discard: 'new', maxBytes: -1, maxMessages: 3 })
      await bus.ensureStream(s)
      const { ok, err } = await fill(bus, subjectOf(s))
      assert.equal(ok.length, 3)
      assert.ok(err instanceof BusFullError)
    })

    it('a discard-old stream keeps taking publishes and drops its oldest', async (t) => {
      const bus = await open(t, make)
      const s = spec({ discard: 'old' })
      await bus.ensureStream(s)
      const { ok, err } = await fill(bus, subjectOf(s), 60)
      assert.equal(err, undefined)
      assert.equal(ok.length, 60)
      const usage = await bus.streamUsage(s.name)
      assert.ok((usage?.messages ?? 0) < 60, `kept ${usage?.messages}`)
    })

    it('fills open caps from the bus limits: signals refuse when full, alerts keep a history', async (t) => {
      const bus = await open(t, make, { maxBytes: 1500, historyMaxBytes: 3000 })
      const signals = spec({ discard: 'new', maxBytes: -1 })
      const alerts = spec({ discard: 'old', maxBytes: -1 })
      await bus.ensureStream(signals)
      await bus.ensureStream(alerts)
      assert.equal((await bus.streamUsage(signals.name))?.maxBytes, 1500)
      assert.equal((await bus.streamUsage(alerts.name))?.maxBytes, 3000)
      assert.equal(await bus.streamUsage('NOSUCHSTREAM'), null)
    })

    it('an existing discard-old stream becomes discard-new when ensured again', async (t) => {
      const bus = await open(t, make)
      const s = spec({ discard: 'old' })
      await bus.ensureStream(s)
      await bus.ensureStream({ ...s, discard: 'new' })
      const { err } = await fill(bus, subjectOf(s))
      assert.ok(err instanceof BusFullError)
    })
  })
}

describe('stream limits', () => {
  it('withLimits leaves explicit caps alone and fills open ones by discard policy', () => {
    const limits = { maxBytes: 10, historyMaxBytes: 20, maxMessages: 5 }
    assert.equal(withLimits(spec({ discard: 'new', maxBytes: -1 }), limits).maxBytes, 10)
    assert.equal(withLimits(spec({ discard: 'new', maxBytes: -1 }), limits).maxMessages, 5)
    assert.equal(withLimits(spec({ maxBytes: -1 }), limits).maxBytes, 20)
    assert.equal(withLimits(spec({ maxBytes: -1 }), limits).maxMessages, undefined)
    assert.equal(withLimits(spec({ discard: 'new', maxBytes: 7 }), limits).maxBytes, 7)
    assert.equal(withLimits(spec({ maxBytes: -1 }), undefined).maxBytes, -1)
  })

  it('asks NATS for the configured replicas (a single server refuses 3: the setting reaches it)', async (t) => {
    if (!nats) throw new Error('nats-server not started')
    const bus = await NatsBus.connect(nats.url, { limits: { replicas: 3 } })
    t.after(() => bus.close())
    await assert.rejects(bus.ensureStream(spec()), /replicas/)
    await assert.rejects(bus.kv(`R${randomUUID().slice(0, 8)}`, 10_000), /replicas/)
  })
})

describe('the gateway on a full signal stream (embedded bus, in-process app)', () => {
  it('answers the webhook 503 with Retry-After, and 200 again once the stream has room', async () => {
    const bus = new EmbeddedBus({ dropAcked: true, limits: { maxBytes: 30_000 } })
    const stream = { ...LIVE_CHANNEL, stream: SIGNALS_STREAM }
    await bus.ensureStream({
      name: stream.stream,
      subjects: [stream.wildcard],
      maxAgeMs: stream.maxAgeMs,
      maxBytes: -1,
      duplicateWindowMs: 120_000,
      discard: 'new',
    })
    const app = createApp({
      bus,
      partitions: 1,
      ignoredNamespaces: new Set(),
      webhook: { token: 't' },
      log: pino({ level: 'silent' }),
    })
    const post = (i: number) =>
      app.request('/audit/webhook', {
        method: 'POST',
        headers: { authorization: 'Bearer t', 'content-type': 'application/json' },
        body: JSON.stringify({
          kind: 'EventList',
          apiVersion: 'audit.k8s.io/v1',
          metadata: {},
          items: podLifecycle({
            namespace: 'shop',
            name: `web-${i}`,
            uid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
            node: 'worker-1',
            nodeIP: '10.0.1.21',
            podIP: '10.244.1.7',
            owner: { kind: 'ReplicaSet', name: 'web' },
            createdAt: micros('2024-05-14T09:00:00.100000Z'),
          }),
        }),
      })
    let status = 200
    let res: Response | undefined
    let accepted = 0
    for (let i = 0; i < 100 && status === 200; i++) {
      res = await post(i)
      status = res.status
      if (status === 200) accepted++
    }
    assert.ok(accepted > 0, 'batches were accepted before the stream filled')
    assert.equal(status, 503)
    assert.ok(Number(res?.headers.get('retry-after')) > 0)
    const c = await bus.consumer({
      stream: SIGNALS_STREAM,
      durable: 'actors-p0',
      filterSubject: LIVE_CHANNEL.subjectOf(0),
      ackWaitMs: 30_000,
    })
    for (let got = await c.fetch(1000, 200); got.length > 0; got = await c.fetch(1000, 200)) {
      for (const m of got) m.ack()
    }
    const again = await post(1000)
    assert.equal(
      again.status,
      200,
      `${await again.text()} ${JSON.stringify(await bus.streamUsage(SIGNALS_STREAM))}`,
    )
    await c.close()
    await bus.close()
  })
})
