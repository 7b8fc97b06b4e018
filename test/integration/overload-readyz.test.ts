import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { NatsBus } from '../../actors/runtime/bus/nats-bus.ts'
import { busReady } from '../../gateway/bus-ready.ts'
import { type RunningGateway, startGateway } from '../../gateway/main.ts'
import { dispose, startNats, type TestServer } from '../support/servers.ts'

let nats: TestServer | undefined
let bus: NatsBus | undefined
let gw: RunningGateway | undefined

before(async () => {
  nats = await startNats()
  bus = await NatsBus.connect(nats.url)
  gw = await startGateway({
    addr: '127.0.0.1:0',
    bus,
    partitions: 4,
    ignoredNamespaces: new Set(),
    webhook: {},
    ready: busReady(bus),
    log: { info() {}, warn() {}, error() {} },
  })
})

after(async () => {
  await gw?.close()
  await bus?.close()
  await dispose(nats)
})

async function readyz(): Promise<number> {
  return (await fetch(`http://127.0.0.1:${gw?.port ?? 0}/readyz`)).status
}

/** Polls /readyz until it answers `status` (functional deadline, generous for 2 cores). */
async function until(status: number, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms
  let last = 0
  while (Date.now() < deadline) {
    last = await readyz()
    if (last === status) return
    await sleep(100)
  }
  assert.fail(`/readyz stayed ${last}, expected ${status}`)
}

describe('gateway /readyz follows the bus (real NATS)', () => {
  it('200 while connected, 503 while NATS is down, 200 again after it is back', async () => {
    assert.equal(await readyz(), 200)
    await nats?.stop()
    await until(503)
    const health = await fetch(`http://127.0.0.1:${gw?.port ?? 0}/healthz`)
    assert.equal(health.status, 200, 'liveness does not depend on the bus')
    await nats?.restart()
    await until(200)
  })
})
