import type { KvBucket } from './bus.ts'

interface Entry {
  readonly value: Uint8Array
  readonly revision: number
  /** Write time (injected clock): the entry expires at `time + ttlMs`. */
  readonly time: number
}

/**
 * An in-memory KV bucket with the semantics of a NATS KV bucket whose stream has `max_age = ttl`:
 * revisions are one bucket-wide sequence, every write restarts the entry's TTL, an expired or
 * deleted key is absent (so `create` succeeds on it again).
 */
export class EmbeddedKv implements KvBucket {
  readonly #entries = new Map<string, Entry>()
  readonly #now: () => number
  readonly #assertOpen: () => void
  #ttlMs: number
  #revision = 0

  constructor(ttlMs: number, now: () => number, assertOpen: () => void) {
    this.#ttlMs = ttlMs
    this.#now = now
    this.#assertOpen = assertOpen
  }

  set ttlMs(ttlMs: number) {
    this.#ttlMs = ttlMs
  }

  async get(key: string): Promise<{ value: Uint8Array; revision: number } | null> {
    this.#assertOpen()
    const entry = this.#live(key)
    return entry ? { value: entry.value.slice(), revision: entry.revision } : null
  }

  async create(key: string, value: Uint8Array): Promise<number | null> {
    this.#assertOpen()
    return this.#live(key) ? null : this.#write(key, value)
  }

  async update(key: string, value: Uint8Array, revision: number): Promise<number | null> {
    this.#assertOpen()
    return this.#live(key)?.revision === revision ? this.#write(key, value) : null
  }

  async put(key: string, value: Uint8Array): Promise<number> {
    this.#assertOpen()
    return this.#write(key, value)
  }

  async delete(key: string, revision?: number): Promise<void> {
    this.#assertOpen()
    const entry = this.#live(key)
    if (!entry || (revision !== undefined && entry.revision !== revision)) return
    this.#entries.delete(key)
    // A delete is a write in NATS KV (a DEL marker): it consumes a revision.
    this.#revision++
  }

  #live(key: string): Entry | undefined {
    const entry = this.#entries.get(key)
    if (entry && this.#ttlMs > 0 && entry.time + this.#ttlMs <= this.#now()) {
      this.#entries.delete(key)
      return undefined
    }
    return entry
  }

  #write(key: string, value: Uint8Array): number {
    const revision = ++this.#revision
    this.#entries.set(key, { value: value.slice(), revision, time: this.#now() })
    return revision
  }
}
