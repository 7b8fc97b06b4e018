import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { describe, it } from 'node:test'
import { MemoryStore } from '../../../../actors/runtime/store/memory-store.ts'
import { StoreError } from '../../../../actors/runtime/store/store.ts'
import { type MakeStore, runStoreContract } from '../../../support/store-contract.ts'

const make: MakeStore = async () => {
  const store = new MemoryStore({ prefix: `test-${randomUUID()}:` })
  return { store, cleanup: () => store.close() }
}
runStoreContract('memory', make)

describe('memory store', () => {
  it('measures TTLs on the injected clock', async () => {
    let now = 1_000
    const store = new MemoryStore({ now: () => now, rollupTtlMs: 60_000 })
    await store.write([
      { op: 'state', uid: 'u', json: '{}', ttlMs: 500 },
      { op: 'rollup', type: 'create', namespace: 'ns', minute: 7, fields: { ok: 1 } },
    ])
    now = 1_499
    assert.equal(await store.getState('u'), '{}')
    now = 1_500
    assert.equal(await store.getState('u'), null)
    assert.deepEqual(await store.rollups('create', 'ns', 7, 7), [{ minute: 7, fields: { ok: 1 } }])
    now = 61_000
    assert.deepEqual(await store.rollups('create', 'ns', 7, 7), [])
    assert.deepEqual(await store.rollupNamespaces('create'), [])
  })

  it('rejects use after close with StoreError', async () => {
    const store = new MemoryStore()
    await store.close()
    await assert.rejects(store.getState('u'), StoreError)
    await assert.rejects(store.write([]), StoreError)
  })
})
