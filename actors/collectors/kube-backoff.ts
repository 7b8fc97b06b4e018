/** Exponential backoff bounds for retries against the API server or the bus, ms. */
export interface BackoffOptions {
  /** First delay (default 500). */
  readonly initialMs?: number
  /** Longest delay (default 30 000). */
  readonly maxMs?: number
}

/** Backoff with both bounds resolved. */
export interface Backoff {
  readonly initialMs: number
  readonly maxMs: number
}

/** Resolves the defaults (500 ms doubling up to 30 s) and clamps nonsense to sane bounds. */
export function resolveBackoff({ initialMs = 500, maxMs = 30_000 }: BackoffOptions = {}): Backoff {
  const initial = Math.max(1, initialMs)
  return { initialMs: initial, maxMs: Math.max(initial, maxMs) }
}

/**
 * Delay before retry number `attempt` (1, 2, …): `initialMs · 2^(attempt-1)` capped at `maxMs`,
 * with "equal jitter" (a uniformly random half of it is dropped) so that many collectors or
 * loops that failed together do not retry in lockstep, while the delay never falls below half
 * the exponential step.
 */
export function backoffDelay(b: Backoff, attempt: number, random: () => number = Math.random) {
  const step = Math.min(b.maxMs, b.initialMs * 2 ** Math.max(0, attempt - 1))
  return Math.round(step / 2 + (step / 2) * random())
}

/** Waits `ms`, or less when `signal` aborts (resolves either way; never rejects). */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve()
  return new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal.addEventListener('abort', done, { once: true })
  })
}
