import assert from 'node:assert/strict'
import { it } from 'node:test'
import { FUZZ_GROUPS } from '../../tools/fuzz/all-properties.ts'
import { runProperty, runsFor } from '../../tools/fuzz/property.ts'

/**
 * Cases per property (weighted: a property of weight 0.25 runs a quarter), from
 * `LUNETTES_FUZZ_RUNS`; `npm run fuzz` runs the same properties a million times in all.
 */
export const FUZZ_RUNS = Number(process.env.LUNETTES_FUZZ_RUNS ?? 2000)

/** One `it` per property of `group`, failing with fast-check's report (counterexample, seed). */
export function fuzzGroup(group: keyof typeof FUZZ_GROUPS & string): void {
  const properties = FUZZ_GROUPS[group]
  assert.ok(properties && properties.length > 0, `no fuzz group ${group}`)
  for (const p of properties) {
    const runs = runsFor(p, FUZZ_RUNS)
    it(`${p.name} (${runs} cases)`, async () => {
      const outcome = await runProperty(p, runs)
      assert.equal(outcome.report, undefined)
      assert.equal(outcome.runs, runs)
    })
  }
}
