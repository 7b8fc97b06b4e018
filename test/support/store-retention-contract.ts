import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { freshStore, type MakeStore } from './store-fresh.ts'

const MIN_US = 60_000_000

/** How every index of the store ages out, so a long-running deployment stays bounded. */
export function runStoreRetentionContract(name: string, make: MakeStore): void {
  const fresh = freshStore(make)

  describe(`store retention contract: ${name}`, () => {
    it('SLO lists drop verdicts older than retainMs before the newest, in both indexes', async (t) => {
      const store = await fresh(t)
      const slo = (uid: string, namespace: string, finishedUs: number) =>
        ({ op: 'slo', type: 'create', namespace, uid, finishedUs, retainMs: 10 * 60_000 }) as const
      await store.write([slo('old', 'a', 0), slo('mid', 'b', 5 * MIN_US)])
      await store.write([slo('edge', 'a', 10 * MIN_US)])
      assert.deepEqual(await store.sloRange('create', null, 0, Infinity, 10), [
        'edge',
        'mid',
        'old',
      ])
      await store.write([slo('new', 'a', 10 * MIN_US + 1)])
      assert.deepEqual(await store.sloRange('create', null, 0, Infinity, 10), [
        'new',
        'edge',
        'mid',
      ])
      assert.deepEqual(await store.sloRange('create', 'a', 0, Infinity, 10), ['new', 'edge'])
      assert.deepEqual(await store.sloRange('create', 'b', 0, Infinity, 10), ['mid'])
    })

    it("a namespace's SLO list expires retainMs after its last verdict", async (t) => {
      const store = await fresh(t)
      await store.write([
        { op: 'slo', type: 'delete', namespace: 'gone', uid: 'u', finishedUs: 1, retainMs: 150 },
      ])
      assert.deepEqual(await store.sloRange('delete', 'gone', 0, Infinity, 10), ['u'])
      await sleep(300)
      assert.deepEqual(await store.sloRange('delete', 'gone', 0, Infinity, 10), [])
    })

    it('partition members not written for retainMs leave (as a TTL would); a rewrite keeps one', async (t) => {
      const store = await fresh(t)
      const member = (uid: string, atMs: number) =>
        ({ op: 'member', partition: 2, uid, atMs, retainMs: 1000 }) as const
      await store.write([member('a', 10_000), member('b', 10_000), member('c', 10_500)])
      await store.write([member('e', 10_200)])
      await store.write([member('a', 10_900)])
      await store.write([member('d', 11_200)])
      assert.deepEqual((await store.members(2)).sort(), ['a', 'c', 'd'])
      await store.write([{ op: 'forget', partition: 2, uid: 'c' }])
      assert.deepEqual((await store.members(2)).sort(), ['a', 'd'])
    })

    it('keepName gives a name index a TTL; writing to it again does not clear that TTL', async (t) => {
      const store = await fresh(t)
      await store.write([
        { op: 'name', namespace: 'ns', name: 'p', uid: 'u1', createdUs: 1 },
        { op: 'keepName', namespace: 'ns', name: 'p', ttlMs: 200 },
        { op: 'keepName', namespace: 'ns', name: 'never-written', ttlMs: 200 },
      ])
      await store.write([{ op: 'name', namespace: 'ns', name: 'p', uid: 'u2', createdUs: 2 }])
      assert.deepEqual(await store.uidsByName('ns', 'p'), ['u2', 'u1'])
      await sleep(350)
      assert.deepEqual(await store.uidsByName('ns', 'p'), [])
      assert.deepEqual(await store.uidsByName('ns', 'never-written'), [])
    })

    it('metadata with ttlMs expires; without it stays', async (t) => {
      const store = await fresh(t)
      await store.write([
        { op: 'meta', key: 'short', value: 'x', ttlMs: 150 },
        { op: 'meta', key: 'kept', value: 'y' },
      ])
      assert.equal(await store.getMeta('short'), 'x')
      await sleep(300)
      assert.equal(await store.getMeta('short'), null)
      assert.equal(await store.getMeta('kept'), 'y')
    })
  })
}
