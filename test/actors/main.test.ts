import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ordinalShare } from '../../actors/main.ts'

describe('actor host partition share from a StatefulSet ordinal', () => {
  it('splits partitions evenly by ordinal', () => {
    assert.deepEqual(ordinalShare('lunettes-actors-1', 4, 8), [1, 5])
    assert.deepEqual(ordinalShare('lunettes-actors-0', 1, 4), [0, 1, 2, 3])
  })
  it('gives nothing without an ordinal or beyond the replicas', () => {
    assert.equal(ordinalShare('laptop', 4, 8), undefined)
    assert.equal(ordinalShare('lunettes-actors-5', 4, 8), undefined)
  })
})
