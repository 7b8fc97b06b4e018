import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parseScheduling } from '../../actors/lifecycle/parse-scheduling.ts'

// Counterexamples `npm run fuzz` found, kept as plain regression tests.
describe('found by fuzzing', () => {
  it('a node count past 2^53 is no count (it parsed as Infinity)', () => {
    const huge = '9'.repeat(320)
    const p = parseScheduling(
      `0/${huge} nodes are available: ${huge} Insufficient cpu, 2 Too many pods`,
    )
    assert.equal(p.nodes, null)
    assert.deepEqual(
      p.items.map((i) => [i.count, i.text]),
      [[2, 'Too many pods']],
    )
    assert.ok(p.items.every((i) => Number.isSafeInteger(i.count)))
  })
})
