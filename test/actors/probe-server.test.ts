import assert from 'node:assert/strict'
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { describe, it } from 'node:test'
import { Registry } from 'prom-client'
import { createDecider } from '../../actors/lifecycle/decide.ts'
import { type Health, serveProbes } from '../../actors/probe-server.ts'
import { EmbeddedBus } from '../../actors/runtime/bus/embedded-bus.ts'
import { ActorHost } from '../../actors/runtime/host/actor-host.ts'
import { MemoryStore } from '../../actors/runtime/store/memory-store.ts'
import { DEFAULT_SLO_CONFIG } from '../../config/slo-config.ts'

describe('actor host probes', () => {
  it('a host is ready once started, live while its lease rounds complete, not ready once stopped', async () => {
    const bus = new EmbeddedBus()
    const host = new ActorHost({
      bus,
      store: new MemoryStore(),
      decide: createDecider({ config: DEFAULT_SLO_CONFIG }),
      mode: 'live',
      partitions: 2,
      hostId: 'h',
      leaseTtlMs: 300,
    })
    assert.deepEqual(host.health(), { ready: false, live: true, lastLeaseRoundMs: null })
    await host.start()
    const started = host.health()
    assert.equal(started.ready, true)
    assert.equal(started.live, true)
    assert.ok((started.lastLeaseRoundMs ?? 0) > Date.now() - 1000)
    await host.stop()
    assert.equal(host.health().ready, false)
    await bus.close()
  })

  it('serves /healthz, /readyz (JSON, 503 when failing) and /metrics on one port', async (t) => {
    let health: Health = { ready: false, live: true, lastLeaseRoundMs: null }
    const registry = new Registry()
    const server = serveProbes('127.0.0.1:0', registry, () => health)
    t.after(() => server.close())
    await once(server, 'listening')
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    const get = async (path: string) => {
      const res = await fetch(`${base}${path}`)
      return { status: res.status, body: await res.text() }
    }
    assert.equal((await get('/healthz')).status, 200)
    const notReady = await get('/readyz')
    assert.equal(notReady.status, 503)
    assert.deepEqual(JSON.parse(notReady.body), health)
    health = { ready: true, live: false, lastLeaseRoundMs: 1 }
    assert.equal((await get('/readyz')).status, 200)
    assert.equal((await get('/healthz')).status, 503)
    assert.equal((await get('/metrics')).status, 200)
    assert.equal((await get('/nope')).status, 404)
  })
})
