/** Something with a stream sequence. */
export interface Sequenced {
  readonly seq: number
}

/** Dropped entries kept at the front before they are compacted away. */
const COMPACT_AT = 1024

/**
 * An append-only list in ascending `seq` order whose front is dropped in O(1) (a head offset;
 * the array is compacted once the dropped part is large and at least half of it), so a stream at
 * its limits does not move every retained message on each publish.
 */
export class SeqLog<T extends Sequenced> {
  #items: T[] = []
  #head = 0

  get length(): number {
    return this.#items.length - this.#head
  }

  push(item: T): void {
    this.#items.push(item)
  }

  /** The entry at `i` (0 = the oldest retained). */
  at(i: number): T | undefined {
    return i < 0 ? undefined : this.#items[this.#head + i]
  }

  first(): T | undefined {
    return this.#items[this.#head]
  }

  dropFirst(): T | undefined {
    const item = this.#items[this.#head]
    if (item === undefined) return undefined
    this.#head++
    if (this.#head >= COMPACT_AT && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head)
      this.#head = 0
    }
    return item
  }

  /** Position (as for `at`) of the first entry whose sequence is greater than `seq`. */
  indexAfter(seq: number): number {
    let lo = this.#head
    let hi = this.#items.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if ((this.#items[mid]?.seq ?? 0) <= seq) lo = mid + 1
      else hi = mid
    }
    return lo - this.#head
  }
}
