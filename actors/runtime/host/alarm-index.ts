/**
 * The alarms of one partition in memory (the store keeps them durably): uid → due time (epoch
 * µs), with the earliest cached so that checking for due alarms on every signal costs O(1).
 */
export class AlarmIndex {
  readonly #at = new Map<string, number>()
  /** Cached earliest alarm; undefined when it must be recomputed. */
  #min: number | null | undefined = undefined

  get(uid: string): number | undefined {
    return this.#at.get(uid)
  }

  /** Arms (or, with null, clears) a pod's alarm. */
  set(uid: string, at: number | null): void {
    const prev = this.#at.get(uid)
    if (at === null) this.#at.delete(uid)
    else this.#at.set(uid, at)
    const min = this.#min
    if (min === undefined) return
    if (at !== null && (min === null || at < min)) this.#min = at
    else if (prev !== undefined && prev === min) this.#min = undefined
  }

  /** The earliest armed alarm, or null. */
  next(): number | null {
    if (this.#min === undefined) {
      let min: number | null = null
      for (const at of this.#at.values()) if (min === null || at < min) min = at
      this.#min = min
    }
    return this.#min
  }

  /** Alarms due at or before `now`, earliest first (ties by uid). */
  due(now: number): [string, number][] {
    const next = this.next()
    if (next === null || next > now) return []
    return [...this.#at.entries()]
      .filter(([, at]) => at <= now)
      .sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1))
  }

  /** Alarms due strictly before `before`. */
  before(before: number): [string, number][] {
    return [...this.#at.entries()].filter(([, at]) => at < before)
  }
}
