import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { createDecider } from '../../actors/lifecycle/decide.ts'
import { NatsBus } from '../../actors/runtime/bus/nats-bus.ts'
import { ActorHost, type Log } from '../../actors/runtime/host/actor-host.ts'
import { LEASE_BUCKET } from '../../actors/runtime/host/partition-lease.ts'
import { MemoryStore } from '../../actors/runtime/store/memory-store.ts'
import { DEFAULT_SLO_CONFIG } from '../../config/slo-config.ts'
import { signalMessages } from '../../protocol/envelope.ts'
import { testChannel } from '../support/channels.ts'
import { dispose, startNats, type TestServer } from '../support/servers.ts'
import { SERVICE_FACTS, sig } from '../support/signals.ts'

let nats: TestServer | undefined
before(async () => {
  nats = await startNats()
})
after(() => dispose(nats))

const TTL_MS = 10_000

describe('a NATS outage shorter than the lease TTL (real nats-server)', () => {
  it('keeps every lease where it was, and the partitions go on consuming', async (t) => {
    const id = randomUUID().slice(0, 8)
    const channel = testChannel(id)
    const bus = await NatsBus.connect(nats?.url ?? '')
    const store = new MemoryStore()
    const lines: string[] = []
    const log: Log = {
      info() {},
      warn: (_o, msg) => lines.push(msg),
      error: (_o, msg) => lines.push(msg),
    }
    const host = new ActorHost({
      bus,
      store,
      decide: createDecider({ config: DEFAULT_SLO_CONFIG }),
      mode: 'live',
      partitions: 4,
      hostId: `h-${id}`,
      channel,
      leaseTtlMs: TTL_MS,
      log,
    })
    t.after(async () => {
      await host.stop()
      await bus.close()
    })
    await host.start()
    assert.deepEqual(host.owned(), [0, 1, 2, 3])
    // Down for longer than a renewal tick (TTL/3): renewals sent meanwhile go unanswered.
    await nats?.restart(TTL_MS * 0.45)
    await sleep(TTL_MS * 0.4)
    const uid = randomUUID()
    const after = sig({
      at: new Date().toISOString(),
      uid,
      facts: SERVICE_FACTS,
      ops: ['pod:create:success'],
    })
    for (let i = 0; ; i++) {
      try {
        await bus.publish(signalMessages([after], 4, channel.subjectOf))
        break
      } catch (err: unknown) {
        if (i > 20) throw err
        await sleep(250)
      }
    }
    for (let i = 0; i < 100 && (await store.getState(uid)) === null; i++) await sleep(50)
    assert.ok(await store.getState(uid), 'a signal published after the restart was folded')
    assert.deepEqual(
      lines.filter((l) => /lease lost|loop failed/.test(l)),
      [],
    )
    assert.deepEqual(host.owned(), [0, 1, 2, 3])
    const kv = await bus.kv(LEASE_BUCKET, TTL_MS)
    const owners = await Promise.all([0, 1, 2, 3].map((p) => kv.get(channel.leaseOf(p))))
    assert.ok(owners.every((o) => o !== null && new TextDecoder().decode(o.value) === `h-${id}`))
  })
})
