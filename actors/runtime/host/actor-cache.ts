import type { PodState } from '../../lifecycle/pod-state.ts'

/**
 * The actors of a partition held in memory, least recently used first. Passivation drops the
 * ones idle for longer than the idle time, then the least recently used beyond the cap; their
 * state is in the store, so the next signal or alarm simply loads them again.
 */
export class ActorCache {
  readonly #states = new Map<string, PodState>()
  readonly #used = new Map<string, number>()

  get size(): number {
    return this.#states.size
  }

  get(uid: string): PodState | undefined {
    return this.#states.get(uid)
  }

  /** Puts (or refreshes) an actor as the most recently used, at `nowMs`. */
  set(state: PodState, nowMs: number): void {
    this.#states.delete(state.uid)
    this.#states.set(state.uid, state)
    this.#used.set(state.uid, nowMs)
  }

  delete(uid: string): void {
    this.#states.delete(uid)
    this.#used.delete(uid)
  }

  /**
   * Drops actors last used before `idleBefore` (ms), then the least recently used beyond `cap`.
   * A batch's actors were just used, so they go last.
   */
  passivate(cap: number, idleBefore: number): void {
    for (const uid of this.#states.keys()) {
      if ((this.#used.get(uid) ?? 0) >= idleBefore) break
      this.delete(uid)
    }
    let excess = this.#states.size - cap
    for (const uid of this.#states.keys()) {
      if (excess-- <= 0) break
      this.delete(uid)
    }
  }
}
