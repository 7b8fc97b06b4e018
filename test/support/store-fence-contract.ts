import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { StoreConflictError, type WriteOp } from '../../actors/runtime/store/store.ts'
import { freshStore, type MakeStore } from './store-fresh.ts'

const fence = (partition: number, expect: number): WriteOp => ({
  op: 'fence',
  partition,
  expect,
  next: expect + 1,
})

/** What every store does with a fenced batch (the partition owner's optimistic concurrency). */
export function runStoreFenceContract(name: string, make: MakeStore): void {
  const fresh = freshStore(make)

  describe(`store fence contract: ${name}`, () => {
    it('starts at 0 and moves to next with each fenced batch, per partition', async (t) => {
      const store = await fresh(t)
      assert.equal(await store.fence(3), 0)
      await store.write([fence(3, 0), { op: 'meta', key: 'a', value: '1' }])
      await store.write([fence(3, 1)])
      assert.equal(await store.fence(3), 2)
      assert.equal(await store.fence(4), 0)
      assert.equal(await store.getMeta('a'), '1')
    })

    it('refuses a stale writer whole: nothing of its batch lands, and the error names it', async (t) => {
      const store = await fresh(t)
      await store.write([fence(7, 0)])
      const stale: WriteOp[] = [
        fence(7, 0),
        { op: 'state', uid: 'u', json: '{"stale":true}', ttlMs: null },
        { op: 'name', namespace: 'ns', name: 'p', uid: 'u', createdUs: 1 },
        { op: 'alarm', partition: 7, uid: 'u', at: 5 },
        { op: 'member', partition: 7, uid: 'u', atMs: 1 },
        { op: 'slo', type: 'create', namespace: 'ns', uid: 'u', finishedUs: 9 },
        { op: 'rollup', type: 'create', namespace: 'ns', minute: 1, fields: { ok: 1 } },
        { op: 'meta', key: 'seq:7', value: '99' },
      ]
      await assert.rejects(store.write(stale), (err: unknown) => {
        assert.ok(err instanceof StoreConflictError, String(err))
        assert.equal(err.partition, 7)
        assert.equal(err.expected, 0)
        assert.equal(err.found, 1)
        assert.match(err.message, /partition 7 was written by another owner/)
        return true
      })
      assert.equal(await store.fence(7), 1)
      assert.equal(await store.getState('u'), null)
      assert.deepEqual(await store.uidsByName('ns', 'p'), [])
      assert.deepEqual(await store.dueAlarms(7, 10, 10), [])
      assert.deepEqual(await store.members(7), [])
      assert.deepEqual(await store.sloRange('create', null, 0, 100, 10), [])
      assert.deepEqual(await store.rollups('create', 'ns', 1, 1), [])
      assert.equal(await store.getMeta('seq:7'), null)
    })

    it('applies every op of a fenced batch, as an unfenced one would', async (t) => {
      const store = await fresh(t)
      await store.write([
        fence(1, 0),
        { op: 'state', uid: 'u', json: '{}', ttlMs: null },
        { op: 'alarm', partition: 1, uid: 'u', at: 5 },
        { op: 'member', partition: 1, uid: 'u', atMs: 1 },
        { op: 'rollup', type: 'create', namespace: 'ns', minute: 2, fields: { ok: 2 } },
        { op: 'meta', key: 'k', value: 'v' },
        { op: 'meta', key: 'gone', value: null },
      ])
      assert.equal(await store.getState('u'), '{}')
      assert.deepEqual(await store.dueAlarms(1, 10, 10), [{ uid: 'u', at: 5 }])
      assert.deepEqual(await store.members(1), ['u'])
      assert.deepEqual(await store.rollups('create', 'ns', 2, 2), [
        { minute: 2, fields: { ok: 2 } },
      ])
      assert.equal(await store.getMeta('k'), 'v')
    })

    it('of two writers racing from the same fence, exactly one wins', async (t) => {
      const store = await fresh(t)
      const results = await Promise.allSettled([
        store.write([fence(0, 0), { op: 'meta', key: 'who', value: 'a' }]),
        store.write([fence(0, 0), { op: 'meta', key: 'who', value: 'b' }]),
      ])
      const won = results.filter((r) => r.status === 'fulfilled')
      assert.equal(won.length, 1)
      const lost = results.find((r) => r.status === 'rejected')
      assert.ok(lost?.status === 'rejected' && lost.reason instanceof StoreConflictError)
      assert.equal(await store.fence(0), 1)
      assert.equal(await store.getMeta('who'), results[0]?.status === 'fulfilled' ? 'a' : 'b')
    })

    it('rejects two fences in one batch and invalid fence values before writing', async (t) => {
      const store = await fresh(t)
      await assert.rejects(store.write([fence(0, 0), fence(1, 0)]), /more than one fence op/)
      const bad = { op: 'fence', partition: 0, expect: -1, next: 0 } as WriteOp
      await assert.rejects(store.write([bad]), /expect must be an integer >= 0/)
      assert.equal(await store.fence(0), 0)
    })
  })
}
