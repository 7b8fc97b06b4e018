import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { BusUnavailableError } from '../../../../actors/runtime/bus/bus.ts'
import { EmbeddedKv } from '../../../../actors/runtime/bus/embedded-kv.ts'
import { PartitionLeases } from '../../../../actors/runtime/host/partition-lease.ts'

const TTL = 10_000

/** An embedded KV bucket on a manual clock; while `down`, every call fails as an unreachable bus would. */
function bucket() {
  const world = { now: 1_000_000, down: false }
  const kv = new EmbeddedKv(
    TTL,
    () => world.now,
    () => {
      if (world.down) throw new BusUnavailableError('test double: bus unreachable')
    },
  )
  const leases = (hostId: string) =>
    new PartitionLeases(kv, { hostId, ttlMs: TTL, now: () => world.now })
  return { world, kv, leases }
}

describe('partition leases', () => {
  it('two hosts never hold one partition; a lapsed lease goes to the next taker', async () => {
    const { world, leases } = bucket()
    const a = leases('a')
    const b = leases('b')
    assert.equal(await a.acquire(3), true)
    assert.equal(await b.acquire(3), false)
    assert.equal(await a.owner(3), 'a')
    world.now += TTL
    assert.equal(await b.acquire(3), true)
    assert.deepEqual(await a.renew(), [3], 'the old holder learns it lost the lease')
    assert.deepEqual(a.held(), [])
  })

  it('a bus outage shorter than the TTL (test double: calls fail) keeps every lease', async () => {
    const { world, leases } = bucket()
    const a = leases('a')
    for (const p of [0, 1, 2]) assert.equal(await a.acquire(p), true)
    world.down = true
    world.now += TTL / 3
    assert.deepEqual(await a.renew(), [])
    world.now += TTL / 3
    assert.deepEqual(await a.renew(), [])
    world.down = false
    world.now += TTL / 6
    assert.deepEqual(await a.renew(), [], 'the keys were still ours')
    assert.deepEqual(a.held(), [0, 1, 2])
    assert.equal(await leases('b').acquire(1), false)
  })

  it('unanswered renewals (test double: calls fail) give the lease up once it must have expired', async () => {
    const { world, leases } = bucket()
    const a = leases('a')
    await a.acquire(5)
    world.down = true
    world.now += TTL - 1
    assert.deepEqual(await a.renew(), [])
    world.now += 1
    assert.deepEqual(await a.renew(), [5])
    assert.deepEqual(a.held(), [])
  })

  it('release lets another host take the partition at once', async () => {
    const { leases } = bucket()
    const a = leases('a')
    const b = leases('b')
    await a.acquire(7)
    await a.release(7)
    assert.equal(await b.acquire(7), true)
    assert.equal(await b.owner(7), 'b')
  })
})
