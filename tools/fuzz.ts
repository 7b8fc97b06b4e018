/**
 * `npm run fuzz`: runs every fuzz property of `tools/fuzz/` (the ones `test/fuzz/` runs a few
 * thousand times) for at least 1,000,000 cases in all, shared out by weight, and prints the
 * count, the time and every failure with its counterexample and seed.
 *
 *   npm run fuzz                      # ≥ 1,000,000 cases, a random seed
 *   LUNETTES_FUZZ_TOTAL=50000 npm run fuzz
 *   LUNETTES_FUZZ_SEED=42 npm run fuzz   # replay a run
 */
import { ALL_PROPERTIES } from './fuzz/all-properties.ts'
import { type FuzzOutcome, runProperty } from './fuzz/property.ts'

const total = Number(process.env.LUNETTES_FUZZ_TOTAL ?? 1_000_000)
const seed = Number(process.env.LUNETTES_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31))
if (!Number.isSafeInteger(total) || total < 1) throw new Error(`LUNETTES_FUZZ_TOTAL: ${total}`)

const weights = ALL_PROPERTIES.reduce((sum, p) => sum + p.weight, 0)
const started = performance.now()
const outcomes: FuzzOutcome[] = []
console.log(`fuzz: ${ALL_PROPERTIES.length} properties, ${total} cases, seed ${seed}`)
for (const [i, p] of ALL_PROPERTIES.entries()) {
  // Rounded up: the sum is at least `total`.
  const runs = Math.ceil((total * p.weight) / weights)
  const t0 = performance.now()
  const outcome = await runProperty(p, runs, seed + i)
  outcomes.push(outcome)
  const s = ((performance.now() - t0) / 1000).toFixed(1)
  console.log(
    `${outcome.failed ? 'FAIL' : 'ok  '} ${String(outcome.runs).padStart(8)} ${s.padStart(6)} s  ${p.name}`,
  )
  if (outcome.report) console.log(outcome.report)
}
const cases = outcomes.reduce((sum, o) => sum + o.runs, 0)
const failures = outcomes.filter((o) => o.failed)
const seconds = ((performance.now() - started) / 1000).toFixed(1)
console.log(
  `fuzz: ${cases} cases in ${seconds} s, ${failures.length} failing properties, seed ${seed}`,
)
process.exitCode = failures.length > 0 ? 1 : 0
