import { StoreError } from './store.ts'

/** The values of the embedded store's keys, as Redis types them. */
export type Value =
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'zset'; readonly members: Map<string, number> }
  | { readonly kind: 'hash'; readonly fields: Map<string, number> }
  | { readonly kind: 'set'; readonly members: Set<string> }

export interface Entry {
  readonly value: Value
  /** Epoch ms after which the key is gone, or null (no TTL). */
  expiresAt: number | null
}

export interface Scored {
  readonly member: string
  readonly score: number
}

/** Redis sorted-set order: by score, then by member (byte order; UIDs are ASCII). */
export const ascending = (a: Scored, b: Scored): number =>
  a.score - b.score || (a.member < b.member ? -1 : a.member > b.member ? 1 : 0)
export const descending = (a: Scored, b: Scored): number => ascending(b, a)

/**
 * The embedded store's keyspace: the few Redis primitives it needs (typed values, TTLs measured on
 * an injected clock, lazy expiry on access plus a periodic sweep).
 */
export class Keyspace {
  readonly #data = new Map<string, Entry>()
  readonly now: () => number
  readonly #sweepIntervalMs: number
  #nextSweep: number
  #closed = false

  constructor(now: () => number, sweepIntervalMs: number) {
    this.now = now
    this.#sweepIntervalMs = sweepIntervalMs
    this.#nextSweep = now() + sweepIntervalMs
  }

  close(): void {
    this.#closed = true
    this.#data.clear()
  }

  assertOpen(): void {
    if (this.#closed) throw new StoreError('memory store is closed')
  }

  /** Sweeps every expired key out when the interval has passed. */
  maybeSweep(now: number): void {
    if (now < this.#nextSweep) return
    for (const [key, entry] of this.#data) {
      if (entry.expiresAt !== null && entry.expiresAt <= now) this.#data.delete(key)
    }
    this.#nextSweep = now + this.#sweepIntervalMs
  }

  /** The live entry at `key`; an expired one is dropped, as Redis does on access. */
  get(key: string): Entry | undefined {
    this.assertOpen()
    const entry = this.#data.get(key)
    if (entry?.expiresAt != null && entry.expiresAt <= this.now()) {
      this.#data.delete(key)
      return undefined
    }
    return entry
  }

  delete(key: string): void {
    this.#data.delete(key)
  }

  string(key: string): string | null {
    const entry = this.get(key)
    return entry?.value.kind === 'string' ? entry.value.value : null
  }

  sorted(
    key: string,
    order: (a: Scored, b: Scored) => number,
    keep: (score: number) => boolean = () => true,
  ): Scored[] {
    const entry = this.get(key)
    if (entry?.value.kind !== 'zset') return []
    const out: Scored[] = []
    for (const [member, score] of entry.value.members) if (keep(score)) out.push({ member, score })
    return out.sort(order)
  }

  /** PEXPIRE: a missing key stays missing. */
  expire(key: string, at: number): void {
    const entry = this.get(key)
    if (entry) entry.expiresAt = at
  }

  zset(key: string): Map<string, number> {
    const value = this.get(key)?.value
    return value?.kind === 'zset'
      ? value.members
      : this.put(key, { kind: 'zset', members: new Map() }).members
  }

  hash(key: string): Map<string, number> {
    const value = this.get(key)?.value
    return value?.kind === 'hash'
      ? value.fields
      : this.put(key, { kind: 'hash', fields: new Map() }).fields
  }

  set(key: string): Set<string> {
    const value = this.get(key)?.value
    return value?.kind === 'set'
      ? value.members
      : this.put(key, { kind: 'set', members: new Set() }).members
  }

  /** ZREM / SREM: a collection left empty is deleted, as in Redis. */
  remove(key: string, member: string): void {
    const value = this.get(key)?.value
    if (value?.kind !== 'zset' && value?.kind !== 'set') return
    value.members.delete(member)
    if (value.members.size === 0) this.#data.delete(key)
  }

  /** ZREMRANGEBYSCORE key -inf (below: drops members scored under `below` (and the key, if emptied). */
  trimBelow(key: string, below: number): void {
    const value = this.get(key)?.value
    if (value?.kind !== 'zset') return
    for (const [member, score] of value.members) if (score < below) value.members.delete(member)
    if (value.members.size === 0) this.#data.delete(key)
  }

  /** SET semantics: the value replaces whatever was there, TTL included. */
  put<V extends Value>(key: string, value: V, expiresAt: number | null = null): V {
    this.#data.set(key, { value, expiresAt })
    return value
  }
}
