/**
 * A sleep that `interrupt()` cuts short, for poll and retry waits that must not delay a stop.
 * After `interrupt()`, every later `sleep` returns at once until `reset()`.
 */
export class Pause {
  #interrupted = false
  #wake: (() => void) | undefined

  /** Whether `interrupt()` was called (since the last `reset()`). */
  get interrupted(): boolean {
    return this.#interrupted
  }

  /** Waits `ms`, or less when interrupted. */
  sleep(ms: number): Promise<void> {
    if (this.#interrupted) return Promise.resolve()
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer)
        this.#wake = undefined
        resolve()
      }
      const timer = setTimeout(done, ms)
      this.#wake = done
    })
  }

  /** Ends the current sleep and makes later ones return at once. */
  interrupt(): void {
    this.#interrupted = true
    this.#wake?.()
  }

  /** Sleeps wait again. */
  reset(): void {
    this.#interrupted = false
  }
}

/** Exponential backoff: `minMs`, doubling per attempt (1, 2, …), capped at `maxMs`. */
export function backoffMs(attempt: number, minMs: number, maxMs: number): number {
  return Math.min(maxMs, minMs * 2 ** Math.min(Math.max(0, attempt - 1), 20))
}
