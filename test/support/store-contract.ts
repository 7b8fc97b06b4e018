import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import type { WriteOp } from '../../actors/runtime/store/store.ts'
import { runStoreFenceContract } from './store-fence-contract.ts'
import { freshStore, type MakeStore } from './store-fresh.ts'
import { runStoreRetentionContract } from './store-retention-contract.ts'

export type { MakeStore } from './store-fresh.ts'

/** An epoch-µs timestamp with all 16 digits significant (2021-09-14T14:07:14.132874Z). */
export const EXACT_US = 1631628434132874

const state = (uid: string, json: string, ttlMs: number | null = null): WriteOp => ({
  op: 'state',
  uid,
  json,
  ttlMs,
})

/**
 * The one behaviour both stores must have (RivetKit's driver test suite): every implementation runs
 * it from its own test file, each test on a fresh store; the fence and retention parts included.
 */
export function runStoreContract(name: string, make: MakeStore): void {
  runStoreFenceContract(name, make)
  runStoreRetentionContract(name, make)
  const fresh = freshStore(make)

  describe(`store contract: ${name}`, () => {
    it('puts, gets and overwrites state; getStates keeps the order asked', async (t) => {
      const store = await fresh(t)
      assert.equal(await store.getState('a'), null)
      await store.write([state('a', '{"v":1}'), state('b', '{"v":2}')])
      assert.equal(await store.getState('a'), '{"v":1}')
      await store.write([state('a', '{"v":3}')])
      assert.equal(await store.getState('a'), '{"v":3}')
      assert.deepEqual(await store.getStates(['b', 'missing', 'a']), ['{"v":2}', null, '{"v":3}'])
      assert.deepEqual(await store.getStates([]), [])
      await store.write([])
    })

    it('expires state after its ttl; an overwrite without ttl keeps it', async (t) => {
      const store = await fresh(t)
      await store.write([state('gone', 'x', 200), state('kept', 'y', 200)])
      await store.write([state('kept', 'z', null)])
      assert.equal(await store.getState('gone'), 'x')
      await sleep(350)
      assert.equal(await store.getState('gone'), null)
      assert.deepEqual(await store.getStates(['gone', 'kept']), [null, 'z'])
    })

    it('applies nothing of a batch with an invalid op and says which op', async (t) => {
      const store = await fresh(t)
      const good: WriteOp[] = [
        state('u1', '{}'),
        { op: 'name', namespace: 'ns', name: 'p', uid: 'u1', createdUs: 1 },
        { op: 'meta', key: 'k', value: 'v' },
      ]
      const bad: [WriteOp, RegExp][] = [
        [
          { op: 'rollup', type: 'create', namespace: 'ns', minute: 1, fields: { x: Number.NaN } },
          /invalid op #3 \(rollup\): field x must be an integer/,
        ],
        [
          { op: 'rollup', type: 'create', namespace: 'ns', minute: 1, fields: { x: 1.5 } },
          /invalid op #3 \(rollup\)/,
        ],
        [{ op: 'bogus' } as unknown as WriteOp, /invalid op #3 \(bogus\): unknown op "bogus"/],
        [state('u2', '{}', 0), /invalid op #3 \(state\): ttlMs/],
        [{ op: 'alarm', partition: -1, uid: 'u1', at: 5 }, /invalid op #3 \(alarm\): partition/],
        [
          { op: 'member', partition: 1.5, uid: 'u1', atMs: 1 },
          /invalid op #3 \(member\): partition/,
        ],
        [{ op: 'forget', partition: 0, uid: '' }, /invalid op #3 \(forget\): uid/],
        [
          { op: 'slo', type: 'create', namespace: 'ns', uid: 'u1', finishedUs: Infinity },
          /invalid op #3 \(slo\): finishedUs/,
        ],
      ]
      for (const [op, message] of bad) {
        await assert.rejects(store.write([...good, op]), (err: unknown) => {
          assert.ok(err instanceof TypeError, `expected TypeError, got ${String(err)}`)
          assert.match(err.message, message)
          return true
        })
      }
      assert.equal(await store.getState('u1'), null)
      assert.deepEqual(await store.uidsByName('ns', 'p'), [])
      assert.equal(await store.getMeta('k'), null)
      assert.deepEqual(await store.rollupNamespaces('create'), [])
    })

    it('lists the UIDs that held a name, newest first, across name reuse', async (t) => {
      const store = await fresh(t)
      await store.write([
        { op: 'name', namespace: 'ns', name: 'web-0', uid: 'old', createdUs: 1_000 },
        { op: 'name', namespace: 'other', name: 'web-0', uid: 'elsewhere', createdUs: 1_500 },
      ])
      await store.write([
        { op: 'name', namespace: 'ns', name: 'web-0', uid: 'new', createdUs: 2_000 },
      ])
      // Indexing the same pod again (a replay) does not duplicate it.
      await store.write([
        { op: 'name', namespace: 'ns', name: 'web-0', uid: 'old', createdUs: 1_000 },
      ])
      assert.deepEqual(await store.uidsByName('ns', 'web-0'), ['new', 'old'])
      assert.deepEqual(await store.nameEntries('ns', 'web-0'), [
        { uid: 'old', createdUs: 1_000 },
        { uid: 'new', createdUs: 2_000 },
      ])
      assert.deepEqual(await store.nameEntries('ns', 'web-1'), [])
      assert.deepEqual(await store.uidsByName('other', 'web-0'), ['elsewhere'])
      assert.deepEqual(await store.uidsByName('ns', 'web-1'), [])
    })

    it('lists finished SLOs by namespace and globally, newest first, within bounds and limit', async (t) => {
      const store = await fresh(t)
      const slo = (namespace: string, uid: string, finishedUs: number): WriteOp => ({
        op: 'slo',
        type: 'create',
        namespace,
        uid,
        finishedUs,
      })
      await store.write([slo('a', 'a1', 100), slo('a', 'a2', 200), slo('b', 'b1', 250)])
      await store.write([slo('a', 'a3', 300), slo('b', 'b2', 200)])
      await store.write([{ op: 'slo', type: 'delete', namespace: 'a', uid: 'd1', finishedUs: 150 }])
      // Equal scores come in reverse member order, as ZREVRANGEBYSCORE returns them.
      assert.deepEqual(await store.sloRange('create', null, 0, 1_000, 10), [
        'a3',
        'b1',
        'b2',
        'a2',
        'a1',
      ])
      assert.deepEqual(await store.sloRange('create', null, 0, 1_000, 2), ['a3', 'b1'])
      assert.deepEqual(await store.sloRange('create', null, 200, 300, 10), ['a3', 'b1', 'b2', 'a2'])
      assert.deepEqual(await store.sloRange('create', null, -Infinity, Infinity, 10), [
        'a3',
        'b1',
        'b2',
        'a2',
        'a1',
      ])
      assert.deepEqual(await store.sloRange('create', 'a', 0, 1_000, 10), ['a3', 'a2', 'a1'])
      assert.deepEqual(await store.sloRange('create', 'a', 150, 250, 10), ['a2'])
      assert.deepEqual(await store.sloRange('create', 'b', 0, 1_000, 1), ['b1'])
      assert.deepEqual(await store.sloRange('create', 'none', 0, 1_000, 10), [])
      assert.deepEqual(await store.sloRange('create', null, 301, 1_000, 10), [])
      assert.deepEqual(await store.sloRange('create', null, 0, 1_000, 0), [])
      assert.deepEqual(await store.sloRange('delete', null, 0, 1_000, 10), ['d1'])
      await assert.rejects(store.sloRange('create', null, 0, 1_000, -1), TypeError)
      await assert.rejects(store.sloRange('create', null, Number.NaN, 1_000, 1), TypeError)
    })

    it('accumulates rollups across batches and reads minute ranges ascending', async (t) => {
      const store = await fresh(t)
      const m = 27_193_811 // 2021-09-14T14:11Z in minutes
      const roll = (
        namespace: string,
        minute: number,
        fields: Record<string, number>,
      ): WriteOp => ({
        op: 'rollup',
        type: 'create',
        namespace,
        minute,
        fields,
      })
      await store.write([roll('a', m, { ok: 1, le_1: 1 }), roll('a', m + 2, { ok: 1 })])
      await store.write([roll('a', m, { ok: 2, fail: 1, 'code:ImagePull': 1 })])
      await store.write([roll('b', m, { ok: 5 }), roll('a', m + 3, {})])
      assert.deepEqual(await store.rollups('create', 'a', m, m + 5), [
        { minute: m, fields: { ok: 3, le_1: 1, fail: 1, 'code:ImagePull': 1 } },
        { minute: m + 2, fields: { ok: 1 } },
      ])
      assert.deepEqual(await store.rollups('create', 'a', m + 1, m + 1), [])
      assert.deepEqual(await store.rollups('create', 'a', m + 2, m + 2), [
        { minute: m + 2, fields: { ok: 1 } },
      ])
      assert.deepEqual(await store.rollups('create', 'a', m + 5, m), [])
      assert.deepEqual(await store.rollups('create', 'b', m - 10, m + 10), [
        { minute: m, fields: { ok: 5 } },
      ])
      assert.deepEqual(await store.rollups('delete', 'a', m, m + 5), [])
      assert.deepEqual(await store.rollupNamespaces('create'), ['a', 'b'])
      assert.deepEqual(await store.rollupNamespaces('delete'), [])
      // 31 days of minutes is the most one read covers.
      assert.deepEqual(await store.rollups('create', 'b', m, m + 44_639), [
        { minute: m, fields: { ok: 5 } },
      ])
      await assert.rejects(store.rollups('create', 'b', m, m + 44_640), /exceeds the maximum/)
    })

    it('sets, moves and clears alarms; lists due ones earliest first', async (t) => {
      const store = await fresh(t)
      const alarm = (uid: string, at: number | null, partition = 0): WriteOp => ({
        op: 'alarm',
        partition,
        uid,
        at,
      })
      assert.equal(await store.nextAlarm(0), null)
      assert.deepEqual(await store.dueAlarms(0, 1_000, 10), [])
      await store.write([alarm('u1', 300), alarm('u2', 100), alarm('u4', 200), alarm('u3', 200)])
      await store.write([alarm('u5', 50, 1)])
      assert.equal(await store.nextAlarm(0), 100)
      assert.equal(await store.nextAlarm(1), 50)
      assert.deepEqual(await store.dueAlarms(0, 200, 10), [
        { uid: 'u2', at: 100 },
        { uid: 'u3', at: 200 },
        { uid: 'u4', at: 200 },
      ])
      assert.deepEqual(await store.dueAlarms(0, 1_000, 2), [
        { uid: 'u2', at: 100 },
        { uid: 'u3', at: 200 },
      ])
      assert.deepEqual(await store.dueAlarms(0, 99, 10), [])
      await store.write([alarm('u2', 400), alarm('u3', null), alarm('never-set', null)])
      assert.equal(await store.nextAlarm(0), 200)
      assert.deepEqual(await store.dueAlarms(0, 1_000, 10), [
        { uid: 'u4', at: 200 },
        { uid: 'u1', at: 300 },
        { uid: 'u2', at: 400 },
      ])
      await store.write([alarm('u1', null), alarm('u2', null), alarm('u4', null)])
      assert.equal(await store.nextAlarm(0), null)
      assert.deepEqual(await store.dueAlarms(1, 1_000, 10), [{ uid: 'u5', at: 50 }])
    })

    it('tracks partition members; forget drops state, alarm and membership only', async (t) => {
      const store = await fresh(t)
      await store.write([
        state('u1', '{}'),
        { op: 'member', partition: 0, uid: 'u1', atMs: 1 },
        { op: 'alarm', partition: 0, uid: 'u1', at: 100 },
        { op: 'name', namespace: 'ns', name: 'p', uid: 'u1', createdUs: 1 },
        state('u2', '{}'),
        { op: 'member', partition: 0, uid: 'u2', atMs: 1 },
        { op: 'member', partition: 0, uid: 'u2', atMs: 1 },
        { op: 'member', partition: 1, uid: 'u3', atMs: 1 },
      ])
      assert.deepEqual((await store.members(0)).sort(), ['u1', 'u2'])
      assert.deepEqual(await store.members(1), ['u3'])
      assert.deepEqual(await store.members(2), [])
      await store.write([
        { op: 'forget', partition: 0, uid: 'u1' },
        { op: 'forget', partition: 0, uid: 'never-seen' },
      ])
      assert.equal(await store.getState('u1'), null)
      assert.equal(await store.getState('u2'), '{}')
      assert.deepEqual(await store.members(0), ['u2'])
      assert.equal(await store.nextAlarm(0), null)
      assert.deepEqual(await store.uidsByName('ns', 'p'), ['u1'])
    })

    it('sets, overwrites and deletes metadata', async (t) => {
      const store = await fresh(t)
      assert.equal(await store.getMeta('checkpoint'), null)
      await store.write([{ op: 'meta', key: 'checkpoint', value: 'rv-1' }])
      await store.write([{ op: 'meta', key: 'checkpoint', value: 'rv-2' }])
      assert.equal(await store.getMeta('checkpoint'), 'rv-2')
      await store.write([{ op: 'meta', key: 'checkpoint', value: null }])
      assert.equal(await store.getMeta('checkpoint'), null)
    })

    it('round-trips epoch-µs scores exactly', async (t) => {
      const store = await fresh(t)
      await store.write([
        { op: 'alarm', partition: 3, uid: 'u', at: EXACT_US },
        { op: 'slo', type: 'delete', namespace: 'ns', uid: 'u', finishedUs: EXACT_US },
        { op: 'slo', type: 'delete', namespace: 'ns', uid: 'before', finishedUs: EXACT_US - 1 },
        { op: 'slo', type: 'delete', namespace: 'ns', uid: 'after', finishedUs: EXACT_US + 1 },
        { op: 'name', namespace: 'ns', name: 'p', uid: 'u', createdUs: EXACT_US },
        { op: 'name', namespace: 'ns', name: 'p', uid: 'v', createdUs: EXACT_US + 1 },
      ])
      assert.equal(await store.nextAlarm(3), EXACT_US)
      assert.deepEqual(await store.dueAlarms(3, EXACT_US, 10), [{ uid: 'u', at: EXACT_US }])
      assert.deepEqual(await store.dueAlarms(3, EXACT_US - 1, 10), [])
      assert.deepEqual(await store.sloRange('delete', 'ns', EXACT_US, EXACT_US, 10), ['u'])
      assert.deepEqual(await store.sloRange('delete', null, EXACT_US - 1, EXACT_US, 10), [
        'u',
        'before',
      ])
      assert.deepEqual(await store.uidsByName('ns', 'p'), ['v', 'u'])
      assert.deepEqual(await store.nameEntries('ns', 'p'), [
        { uid: 'u', createdUs: EXACT_US },
        { uid: 'v', createdUs: EXACT_US + 1 },
      ])
    })
  })
}
