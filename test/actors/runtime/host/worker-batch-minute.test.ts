import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { initialState } from '../../../../actors/lifecycle/pod-state.ts'
import { Batch } from '../../../../actors/runtime/host/worker-batch.ts'

const opts = { partition: 0, retentionMs: 60_000, liveTtlMs: 60_000, nowMs: 1_700_000_000_000 }
const noChanges = { names: [], aliases: [], held: [] }

function rollups(at: number) {
  const batch = new Batch(opts)
  const state = initialState('uid-1', 'ns', 'pod')
  batch.commit(
    state,
    [{ type: 'verdict', slo: 'create', result: 'success', at, code: null }],
    () => 5,
  )
  return batch.writes(noChanges).filter((op) => op.op === 'rollup')
}

// Issue #10: a verdict placed before 1970 gave a negative rollup minute, which the store refused,
// failing (and redelivering) the whole batch forever.
describe('rollup minutes of verdicts', () => {
  it('a verdict in 2023 lands in its minute', () => {
    const at = Date.UTC(2023, 10, 14, 22, 13, 20) * 1000
    assert.deepEqual(
      rollups(at).map((op) => op.op === 'rollup' && op.minute),
      [Math.floor(at / 60_000_000)],
    )
  })

  it('a verdict before 1970 or at a non-finite time writes no rollup, the state still', () => {
    for (const at of [Date.UTC(1960, 0, 1) * 1000, -1, Number.NaN, Number.NEGATIVE_INFINITY]) {
      assert.deepEqual(rollups(at), [], `at ${at}`)
    }
    const batch = new Batch(opts)
    batch.commit(initialState('uid-1', 'ns', 'pod'), [], () => null)
    assert.ok(batch.writes(noChanges).some((op) => op.op === 'state'))
  })
})
