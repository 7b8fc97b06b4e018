import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { NatsBus } from '../../actors/runtime/bus/nats-bus.ts'
import { ensureChannel, LIVE_CHANNEL } from '../../actors/runtime/channel.ts'
import { type RunningGateway, startGateway } from '../../gateway/main.ts'
import { alertSubject } from '../../protocol/alert.ts'
import { fakeAlert } from '../support/alerts.ts'
import { dispose, startNats, type TestServer } from '../support/servers.ts'
import { readSse } from '../support/sse-client.ts'

const TOKEN = 'read-token-for-the-alert-stream-test'
const enc = new TextEncoder()

let nats: TestServer | undefined
let gatewayBus: NatsBus | undefined
let actorsBus: NatsBus | undefined
let gw: RunningGateway | undefined

before(async () => {
  nats = await startNats()
  gatewayBus = await NatsBus.connect(nats.url)
  actorsBus = await NatsBus.connect(nats.url)
  await ensureChannel(actorsBus, LIVE_CHANNEL)
  gw = await startGateway({
    addr: '127.0.0.1:0',
    bus: gatewayBus,
    partitions: 4,
    ignoredNamespaces: new Set(),
    webhook: {},
    api: { tokens: [TOKEN] },
    log: {
      info() {},
      warn: (o: object, m: string) => process.env.DEBUG_SSE && console.error(m, o),
      error() {},
    },
  })
})

after(async () => {
  await gw?.close()
  await gatewayBus?.close()
  await actorsBus?.close()
  await dispose(nats)
})

function url(path: string): string {
  return `http://127.0.0.1:${gw?.port}${path}`
}

async function connect(headers: Record<string, string> = {}) {
  const res = await fetch(url('/api/v1/alerts/stream'), {
    headers: { authorization: `Bearer ${TOKEN}`, accept: 'text/event-stream', ...headers },
  })
  assert.equal(res.status, 200)
  const sse = readSse(res)
  // The stream's first line comes once the consumer exists: from then on nothing is missed.
  for (let i = 0; !sse.text().includes('lunettes alert stream') && i < 100; i++) await sleep(10)
  return sse
}

/** Publishes as the actor hosts do: core publish on the namespace subject, captured by the stream. */
function publish(i: number, ns = 'shop') {
  actorsBus?.emit(alertSubject(ns), enc.encode(JSON.stringify(fakeAlert(i, ns))))
}

describe('alert stream over real NATS and a real socket', () => {
  it('an alert published on NATS reaches an SSE client within 1 s, once', async () => {
    const sse = await connect()
    try {
      const sent = Date.now()
      publish(1)
      const [ev] = await sse.events(1, 1000)
      const latency = Date.now() - sent
      assert.ok(latency < 1000, `${latency} ms`)
      assert.equal(ev?.event, 'alert')
      assert.deepEqual(JSON.parse(ev?.data ?? ''), fakeAlert(1))
      await sleep(300)
      assert.equal((await sse.events(1)).length, 1, 'delivered once')
    } finally {
      await sse.close()
    }
  })

  it('a reconnect with Last-Event-ID gets exactly what it missed', async () => {
    const first = await connect()
    publish(10)
    const [seen] = await first.events(1, 2000)
    await first.close()
    publish(11)
    publish(12, 'other')
    await sleep(100)
    const again = await connect({ 'last-event-id': seen?.id ?? '' })
    try {
      const events = await again.events(2, 2000)
      assert.deepEqual(
        events.map((e) => JSON.parse(e.data).uid),
        ['uid-11', 'uid-12'],
      )
      assert.ok(Number(events[0]?.id) > Number(seen?.id), 'ids are increasing stream sequences')
      publish(13)
      assert.equal(JSON.parse((await again.events(3, 1000))[2]?.data ?? '').uid, 'uid-13')
    } finally {
      await again.close()
    }
  })

  it('the stream needs the bearer token like every route', async () => {
    const res = await fetch(url('/api/v1/alerts/stream'))
    assert.equal(res.status, 401)
    await res.body?.cancel()
  })
})
