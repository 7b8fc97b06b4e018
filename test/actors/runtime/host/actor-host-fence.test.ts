import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { Registry } from 'prom-client'
import { createDecider } from '../../../../actors/lifecycle/decide.ts'
import { EmbeddedBus } from '../../../../actors/runtime/bus/embedded-bus.ts'
import { LIVE_CHANNEL } from '../../../../actors/runtime/channel.ts'
import { ActorHost } from '../../../../actors/runtime/host/actor-host.ts'
import { MemoryStore } from '../../../../actors/runtime/store/memory-store.ts'
import { createActorMetrics } from '../../../../actors/telemetry/metrics.ts'
import { DEFAULT_SLO_CONFIG } from '../../../../config/slo-config.ts'
import { signalMessages } from '../../../../protocol/envelope.ts'
import { partitionOf } from '../../../../protocol/subjects.ts'
import { SERVICE_FACTS, sig } from '../../../support/signals.ts'

const UID = '0d0d0d0d-0000-4000-8000-000000000004'

describe('actor host: a partition another owner wrote (embedded bus and store)', () => {
  it('is restarted from the store, keeps its lease, counts the event and loses no signal', async (t) => {
    const bus = new EmbeddedBus()
    const store = new MemoryStore()
    const registry = new Registry()
    const warnings: string[] = []
    const host = new ActorHost({
      bus,
      store,
      decide: createDecider({ config: DEFAULT_SLO_CONFIG }),
      mode: 'live',
      partitions: 2,
      hostId: 'h1',
      leaseTtlMs: 600,
      metrics: createActorMetrics(registry),
      log: {
        info() {},
        warn: (_o, msg) => warnings.push(msg),
        error: (_o, msg) => warnings.push(msg),
      },
    })
    t.after(async () => {
      await host.stop()
      await bus.close()
    })
    await host.start()
    const p = partitionOf('shop', 'web-1', 2)
    // Another owner (a host that still thought it held the lease) writes the partition.
    const fence = await store.fence(p)
    await store.write([{ op: 'fence', partition: p, expect: fence, next: fence + 1 }])
    const signal = sig({
      at: new Date().toISOString(),
      uid: UID,
      facts: SERVICE_FACTS,
      ops: ['pod:create:success'],
    })
    await bus.publish(signalMessages([signal], 2, LIVE_CHANNEL.subjectOf))
    for (let i = 0; i < 100 && (await store.getState(UID)) === null; i++) await sleep(50)
    assert.ok(await store.getState(UID), 'the signal was folded after the restart')
    assert.ok(warnings.includes('partition fenced; restarting it'), warnings.join('; '))
    assert.ok(!warnings.some((w) => /lease lost|loop failed/.test(w)), warnings.join('; '))
    assert.deepEqual(host.owned(), [0, 1])
    const events = await registry.getSingleMetric('lunettes_partition_events_total')?.get()
    const count = (e: string) => events?.values.find((v) => v.labels.event === e)?.value ?? 0
    assert.equal(count('fenced'), 1)
    assert.equal(count('acquired'), 3, 'both partitions, then the fenced one again')
    assert.equal((await store.fence(p)) > fence + 1, true, 'the host writes behind the new fence')
  })
})
