import type { KV } from '@nats-io/kv'
import type { KvBucket } from './bus.ts'
import { isWrongLastSequence, unavailable } from './nats-errors.ts'

/**
 * A NATS KV bucket behind the bus interface. The bucket's stream has `max_age = ttl` and history 1,
 * so every write restarts the key's TTL (NATS 2.9 has no per-message TTL); conditional writes use
 * the expected-last-subject-sequence header and lose with "wrong last sequence", mapped to null.
 */
export class NatsKv implements KvBucket {
  readonly #kv: KV
  readonly #bucket: string

  constructor(kv: KV, bucket: string) {
    this.#kv = kv
    this.#bucket = bucket
  }

  async get(key: string): Promise<{ value: Uint8Array; revision: number } | null> {
    try {
      const entry = await this.#kv.get(key)
      // A deleted key is a DEL (or PURGE) marker entry: absent for us.
      if (entry?.operation !== 'PUT') return null
      return { value: entry.value, revision: entry.revision }
    } catch (err: unknown) {
      throw unavailable(`kv ${this.#bucket} get ${key}`, err)
    }
  }

  async create(key: string, value: Uint8Array): Promise<number | null> {
    return this.#conditional('create', key, () => this.#kv.create(key, value))
  }

  async update(key: string, value: Uint8Array, revision: number): Promise<number | null> {
    if (revision <= 0) return null
    return this.#conditional('update', key, () => this.#kv.update(key, value, revision))
  }

  async put(key: string, value: Uint8Array): Promise<number> {
    try {
      return await this.#kv.put(key, value)
    } catch (err: unknown) {
      throw unavailable(`kv ${this.#bucket} put ${key}`, err)
    }
  }

  /** Deletes the key; with `revision`, only if it is still at that revision (else a no-op). */
  async delete(key: string, revision?: number): Promise<void> {
    if (revision !== undefined && revision <= 0) return
    const opts = revision === undefined ? {} : { previousSeq: revision }
    await this.#conditional('delete', key, () => this.#kv.delete(key, opts))
  }

  async #conditional<T>(op: string, key: string, write: () => Promise<T>): Promise<T | null> {
    try {
      return await write()
    } catch (err: unknown) {
      if (isWrongLastSequence(err)) return null
      throw unavailable(`kv ${this.#bucket} ${op} ${key}`, err)
    }
  }
}
