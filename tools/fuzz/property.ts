import fc from 'fast-check'

/** One fuzz property: shared by `test/fuzz/*.test.ts` (few cases) and `npm run fuzz` (many). */
export interface FuzzProperty {
  readonly name: string
  /**
   * Share of a case budget, relative to the others: 1 for a fast pure function, less for one
   * that costs more per case (an HTTP request through the app).
   */
  readonly weight: number
  // biome-ignore lint/suspicious/noExplicitAny: fast-check properties of any arity.
  readonly property: () => fc.IRawProperty<any>
}

/** What running a property gave. */
export interface FuzzOutcome {
  readonly name: string
  readonly runs: number
  readonly failed: boolean
  /** fast-check's report (counterexample, seed, path, error with stack) when it failed. */
  readonly report: string | undefined
}

/** Runs `p` for `numRuns` cases (fast-check shrinks a failure to a small counterexample). */
export async function runProperty(
  p: FuzzProperty,
  numRuns: number,
  seed?: number,
): Promise<FuzzOutcome> {
  const details = await fc.check(p.property(), {
    numRuns,
    ...(seed === undefined ? {} : { seed }),
    includeErrorInReport: true,
  })
  return {
    name: p.name,
    runs: details.numRuns,
    failed: details.failed,
    report: details.failed ? (fc.defaultReportMessage(details) ?? 'failed') : undefined,
  }
}

/** Cases for `p` out of a per-property budget (at least 20, so every property runs). */
export function runsFor(p: FuzzProperty, perProperty: number): number {
  return Math.max(20, Math.round(perProperty * p.weight))
}
