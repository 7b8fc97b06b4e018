import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { initialState } from '../../../../actors/lifecycle/pod-state.ts'
import { ActorCache } from '../../../../actors/runtime/host/actor-cache.ts'

const actor = (uid: string) => initialState(uid, 'shop', `web-${uid}`)
const uids = (c: ActorCache, all: string[]) => all.filter((u) => c.get(u) !== undefined)

describe('actor cache: passivation', () => {
  it('drops actors idle for longer than the idle time, whatever the cap', () => {
    const c = new ActorCache()
    c.set(actor('a'), 1_000)
    c.set(actor('b'), 2_000)
    c.set(actor('c'), 3_000)
    c.set(actor('a'), 4_000)
    c.passivate(100, 3_000)
    assert.deepEqual(uids(c, ['a', 'b', 'c']), ['a', 'c'], 'b was last used before 3000')
  })

  it('beyond the cap drops the least recently used', () => {
    const c = new ActorCache()
    for (const [i, u] of ['a', 'b', 'c', 'd'].entries()) c.set(actor(u), i)
    c.set(actor('a'), 4)
    c.passivate(2, 0)
    assert.deepEqual(uids(c, ['a', 'b', 'c', 'd']), ['a', 'd'])
    assert.equal(c.size, 2)
  })

  it('a cap of 0 empties it', () => {
    const c = new ActorCache()
    c.set(actor('a'), 1)
    c.passivate(0, 0)
    assert.equal(c.size, 0)
  })
})
