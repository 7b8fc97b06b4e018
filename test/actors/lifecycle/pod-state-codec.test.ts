import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { initialState } from '../../../actors/lifecycle/pod-state.ts'
import {
  decodeState,
  encodeState,
  StateDecodeError,
} from '../../../actors/lifecycle/pod-state-codec.ts'

describe('stored pod state: versioned, validated, migrated forward', () => {
  it('round-trips the current version', () => {
    const s = initialState('u-1', 'shop', 'web-1')
    s.ms.created = { t: 1714557600250000, p: 'us', s: 'audit' }
    assert.deepEqual(decodeState('u-1', encodeState(s)), s)
  })
  it('migrates an untagged version-0 state', () => {
    const { v: _v, seenObject: _s, ...old } = initialState('u-2', 'shop', 'web-2')
    const state = decodeState('u-2', JSON.stringify(old))
    assert.equal(state.v, 1)
    assert.equal(state.seenObject, true)
  })
  it('names the pod and the problem when a state is unreadable', () => {
    assert.throws(
      () => decodeState('u-3', '{not json'),
      (err: unknown) => {
        assert.ok(err instanceof StateDecodeError)
        assert.match(err.message, /pod u-3/)
        return true
      },
    )
    assert.throws(
      () =>
        decodeState(
          'u-4',
          JSON.stringify({ ...initialState('u-4', 'a', 'b'), ms: { created: { t: 'x' } } }),
        ),
      /u-4.*ms\.created\.t/,
    )
    assert.throws(() => decodeState('u-5', JSON.stringify({ v: 9 })), /version 9 is newer/)
  })
})
