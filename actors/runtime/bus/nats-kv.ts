import { type JetStreamManager, jetstream } from '@nats-io/jetstream'
import { type KV, Kvm } from '@nats-io/kv'
import { type NatsConnection, nanos } from '@nats-io/transport-node'
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

/**
 * Opens (creating if needed) the bucket with history 1 and `max_age = ttlMs` (aligned on an
 * existing bucket), `replicas` on creation. Its requests time out well inside the TTL: requests
 * sent while NATS is down are not answered after the reconnect, so a lease renewal must be able to
 * retry in time.
 */
export async function openNatsKv(
  nc: NatsConnection,
  jsm: JetStreamManager,
  bucket: string,
  ttlMs: number,
  replicas: number | undefined,
): Promise<NatsKv> {
  const timeout = Math.min(5000, Math.max(2000, Math.floor(ttlMs / 3)))
  const js = jetstream(nc, { timeout })
  const kv = await new Kvm(js).create(bucket, {
    ttl: ttlMs,
    history: 1,
    ...(replicas === undefined ? {} : { replicas }),
  })
  // Kvm.create opens an existing bucket as it is: align its TTL with the one asked for.
  const stream = `KV_${bucket}`
  const { config } = await jsm.streams.info(stream)
  if (config.max_age !== nanos(ttlMs)) {
    await jsm.streams.update(stream, { max_age: nanos(ttlMs) })
  }
  return new NatsKv(kv, bucket)
}
