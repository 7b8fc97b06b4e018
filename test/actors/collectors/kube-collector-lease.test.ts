import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { pino } from 'pino'
import { CollectorLease, type LeadTask } from '../../../actors/collectors/collector-lease.ts'
import { BusUnavailableError, type KvBucket } from '../../../actors/runtime/bus/bus.ts'
import { EmbeddedBus } from '../../../actors/runtime/bus/embedded-bus.ts'
import { waitFor } from '../../support/fake-apiserver.ts'

const log = pino({ level: 'silent' })

describe('CollectorLease over the embedded bus', () => {
  it('keeps one of two contenders active; the standby takes over when it releases', async (t) => {
    const bus = new EmbeddedBus()
    t.after(() => bus.close())
    const opts = { bus, name: 'kube', ttlMs: 500, pollMs: 20, log }
    const a = new CollectorLease({ ...opts, holder: 'a' })
    const b = new CollectorLease({ ...opts, holder: 'b' })
    assert.equal(await a.acquire(), true)
    const standby = b.acquire()
    await sleep(1100) // over two TTLs: only renewals keep a's lease alive
    assert.deepEqual([a.held, b.held, await b.holder()], [true, false, 'a'])
    await a.release()
    assert.equal(await standby, true)
    assert.deepEqual([a.held, b.held, await a.holder()], [false, true, 'b'])
    await b.release()
  })

  it('hands over when the active one cannot renew within the TTL, and tells it', async (t) => {
    let clock = 0
    const bus = new EmbeddedBus({ now: () => clock })
    t.after(() => bus.close())
    let cut = false
    // The active collector's view of the bus: its writes fail while it is partitioned.
    const partitioned = {
      kv: async (name: string, ttlMs: number): Promise<KvBucket> => {
        const kv = await bus.kv(name, ttlMs)
        return {
          get: (k) => kv.get(k),
          create: (k, v) => kv.create(k, v),
          update: (k, v, r) =>
            cut ? Promise.reject(new BusUnavailableError('partitioned')) : kv.update(k, v, r),
          put: (k, v) => kv.put(k, v),
          delete: (k, r) => kv.delete(k, r),
        }
      },
    }
    let lost = 0
    const opts = { name: 'kube', ttlMs: 1000, renewMs: 10, pollMs: 10, now: () => clock, log }
    const a = new CollectorLease({ ...opts, bus: partitioned, holder: 'a', onLost: () => lost++ })
    const b = new CollectorLease({ ...opts, bus, holder: 'b' })
    assert.equal(await a.acquire(), true)
    const standby = b.acquire()
    cut = true
    await sleep(100)
    assert.deepEqual([a.held, b.held, lost], [true, false, 0], 'within the TTL a may still lead')
    clock = 1500
    assert.equal(await standby, true)
    await waitFor(() => lost === 1, 'onLost')
    assert.deepEqual([a.held, b.held, await b.holder()], [false, true, 'b'])
    await a.release() // not held any more: a no-op that must not delete b's lease
    assert.equal(await b.holder(), 'b')
    await b.release()
  })

  it('lead() runs the task only while holding the lease and releases it on abort', async (t) => {
    const bus = new EmbeddedBus()
    t.after(() => bus.close())
    const events: string[] = []
    const task = (name: string): LeadTask => ({
      start: async () => void events.push(`${name}:start`),
      stop: async () => void events.push(`${name}:stop`),
    })
    const opts = { bus, name: 'kube', ttlMs: 300, pollMs: 20, log }
    const [stopA, stopB] = [new AbortController(), new AbortController()]
    const a = new CollectorLease({ ...opts, holder: 'a' })
    const b = new CollectorLease({ ...opts, holder: 'b' })
    const leadA = a.lead(task('a'), stopA.signal)
    await waitFor(() => events.includes('a:start'), 'a to start')
    const leadB = b.lead(task('b'), stopB.signal)
    await sleep(100)
    assert.deepEqual(events, ['a:start'])
    stopA.abort()
    await leadA
    await waitFor(() => events.includes('b:start'), 'b to take over')
    stopB.abort()
    await leadB
    assert.deepEqual(events, ['a:start', 'a:stop', 'b:start', 'b:stop'])
    assert.equal(await a.holder(), null)
  })
})
