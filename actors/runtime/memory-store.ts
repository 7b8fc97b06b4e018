import { createKeys, type StoreKeys } from './keys.ts'
import { ascending, descending, type Entry, type Scored, type Value } from './memory-values.ts'
import {
  type DueAlarm,
  type RollupMinute,
  type SloType,
  type Store,
  StoreConflictError,
  StoreError,
  type WriteOp,
} from './store.ts'
import {
  checkBound,
  checkLimit,
  checkPartition,
  DEFAULT_ROLLUP_TTL_MS,
  fenceOf,
  rollupSpan,
  validateWriteOps,
} from './store-validate.ts'

export interface MemoryStoreOptions {
  /** The clock that TTLs are measured against, epoch ms. */
  readonly now?: () => number
  readonly prefix?: string
  /** How long a rollup minute is kept after its last increment (default 30 days). */
  readonly rollupTtlMs?: number
  /** How often (by `now`) a write sweeps every expired key out (default 60 s). */
  readonly sweepIntervalMs?: number
}

/**
 * The embedded store: a small in-process Redis over the same keys (`keys.ts`), with the same types
 * per key, TTLs, sorted-set order and batch validation as `RedisStore`, so one contract suite holds
 * for both. A batch is validated, then applied synchronously, so it is atomic. Expired keys vanish on
 * read and are swept out periodically on write; nothing survives the process.
 */
export class MemoryStore implements Store {
  readonly #data = new Map<string, Entry>()
  readonly #keys: StoreKeys
  readonly #now: () => number
  readonly #rollupTtlMs: number
  readonly #sweepIntervalMs: number
  #nextSweep: number
  #closed = false

  constructor({
    now = Date.now,
    prefix,
    rollupTtlMs = DEFAULT_ROLLUP_TTL_MS,
    sweepIntervalMs = 60_000,
  }: MemoryStoreOptions = {}) {
    this.#keys = createKeys(prefix)
    this.#now = now
    this.#rollupTtlMs = rollupTtlMs
    this.#sweepIntervalMs = sweepIntervalMs
    this.#nextSweep = now() + sweepIntervalMs
  }

  async getState(uid: string): Promise<string | null> {
    return this.#string(this.#keys.pod(uid))
  }

  async getStates(uids: readonly string[]): Promise<(string | null)[]> {
    this.#open()
    return uids.map((uid) => this.#string(this.#keys.pod(uid)))
  }

  async write(ops: readonly WriteOp[]): Promise<void> {
    this.#open()
    validateWriteOps(ops)
    const fence = fenceOf(ops)
    if (fence) {
      // Synchronous from check to apply: no other batch can slip in between.
      const found = Number(this.#string(this.#keys.fence(fence.partition)) ?? 0)
      if (found !== fence.expect) throw new StoreConflictError(fence.partition, fence.expect, found)
    }
    const now = this.#now()
    if (now >= this.#nextSweep) this.#sweep(now)
    for (const op of ops) this.#apply(op, now)
  }

  async fence(partition: number): Promise<number> {
    checkPartition(partition)
    return Number(this.#string(this.#keys.fence(partition)) ?? 0)
  }

  async uidsByName(namespace: string, name: string): Promise<string[]> {
    return this.#sorted(this.#keys.name(namespace, name), descending).map((s) => s.member)
  }

  async nameEntries(
    namespace: string,
    name: string,
  ): Promise<{ uid: string; createdUs: number }[]> {
    const sorted = this.#sorted(this.#keys.name(namespace, name), ascending)
    return sorted.map((s) => ({ uid: s.member, createdUs: s.score }))
  }

  async members(partition: number): Promise<string[]> {
    checkPartition(partition)
    const entry = this.#get(this.#keys.members(partition))
    return entry?.value.kind === 'set' ? [...entry.value.members] : []
  }

  async sloRange(
    type: SloType,
    namespace: string | null,
    fromUs: number,
    toUs: number,
    limit: number,
  ): Promise<string[]> {
    checkBound(fromUs, 'fromUs')
    checkBound(toUs, 'toUs')
    checkLimit(limit)
    const key = namespace === null ? this.#keys.slo(type) : this.#keys.sloNs(type, namespace)
    return this.#sorted(key, descending, (s) => s >= fromUs && s <= toUs)
      .slice(0, limit)
      .map((s) => s.member)
  }

  async rollupNamespaces(type: SloType): Promise<string[]> {
    const entry = this.#get(this.#keys.rollNamespaces(type))
    return entry?.value.kind === 'set' ? [...entry.value.members].sort() : []
  }

  async rollups(
    type: SloType,
    namespace: string,
    fromMinute: number,
    toMinute: number,
  ): Promise<RollupMinute[]> {
    const span = rollupSpan(type, fromMinute, toMinute)
    this.#open()
    const out: RollupMinute[] = []
    for (let minute = fromMinute; minute < fromMinute + span; minute++) {
      const entry = this.#get(this.#keys.roll(type, namespace, minute))
      if (entry?.value.kind === 'hash' && entry.value.fields.size > 0) {
        out.push({ minute, fields: Object.fromEntries(entry.value.fields) })
      }
    }
    return out
  }

  async dueAlarms(partition: number, atUs: number, limit: number): Promise<DueAlarm[]> {
    checkPartition(partition)
    checkBound(atUs, 'atUs')
    checkLimit(limit)
    return this.#sorted(this.#keys.alarm(partition), ascending, (s) => s <= atUs)
      .slice(0, limit)
      .map((s) => ({ uid: s.member, at: s.score }))
  }

  async nextAlarm(partition: number): Promise<number | null> {
    checkPartition(partition)
    return this.#sorted(this.#keys.alarm(partition), ascending)[0]?.score ?? null
  }

  async getMeta(key: string): Promise<string | null> {
    return this.#string(this.#keys.meta(key))
  }

  async close(): Promise<void> {
    this.#closed = true
    this.#data.clear()
  }

  #apply(op: WriteOp, now: number): void {
    const k = this.#keys
    switch (op.op) {
      case 'state': {
        const expiresAt = op.ttlMs === null ? null : now + op.ttlMs
        this.#put(k.pod(op.uid), { kind: 'string', value: op.json }, expiresAt)
        return
      }
      case 'name':
        this.#zset(k.name(op.namespace, op.name)).set(op.uid, op.createdUs)
        return
      case 'slo':
        this.#zset(k.slo(op.type)).set(op.uid, op.finishedUs)
        this.#zset(k.sloNs(op.type, op.namespace)).set(op.uid, op.finishedUs)
        return
      case 'rollup': {
        const names = Object.entries(op.fields)
        if (names.length === 0) return
        const key = k.roll(op.type, op.namespace, op.minute)
        const hash = this.#hash(key)
        for (const [name, n] of names) hash.set(name, (hash.get(name) ?? 0) + n)
        this.#expire(key, now + this.#rollupTtlMs)
        const nsKey = k.rollNamespaces(op.type)
        this.#set(nsKey).add(op.namespace)
        this.#expire(nsKey, now + this.#rollupTtlMs)
        return
      }
      case 'alarm':
        if (op.at === null) this.#remove(k.alarm(op.partition), op.uid)
        else this.#zset(k.alarm(op.partition)).set(op.uid, op.at)
        return
      case 'member':
        this.#set(k.members(op.partition)).add(op.uid)
        return
      case 'forget':
        this.#data.delete(k.pod(op.uid))
        this.#remove(k.alarm(op.partition), op.uid)
        this.#remove(k.members(op.partition), op.uid)
        return
      case 'meta':
        if (op.value === null) this.#data.delete(k.meta(op.key))
        else this.#put(k.meta(op.key), { kind: 'string', value: op.value })
        return
      case 'fence':
        this.#put(k.fence(op.partition), { kind: 'string', value: String(op.next) })
        return
    }
  }

  /** ZREM / SREM: a collection left empty is deleted, as in Redis. */
  #remove(key: string, member: string): void {
    const value = this.#get(key)?.value
    if (value?.kind !== 'zset' && value?.kind !== 'set') return
    value.members.delete(member)
    if (value.members.size === 0) this.#data.delete(key)
  }

  #open(): void {
    if (this.#closed) throw new StoreError('memory store is closed')
  }

  /** The live entry at `key`; an expired one is dropped, as Redis does on access. */
  #get(key: string): Entry | undefined {
    this.#open()
    const entry = this.#data.get(key)
    if (entry?.expiresAt != null && entry.expiresAt <= this.#now()) {
      this.#data.delete(key)
      return undefined
    }
    return entry
  }

  #sweep(now: number): void {
    for (const [key, entry] of this.#data) {
      if (entry.expiresAt !== null && entry.expiresAt <= now) this.#data.delete(key)
    }
    this.#nextSweep = now + this.#sweepIntervalMs
  }

  #string(key: string): string | null {
    const entry = this.#get(key)
    return entry?.value.kind === 'string' ? entry.value.value : null
  }

  #sorted(
    key: string,
    order: (a: Scored, b: Scored) => number,
    keep: (score: number) => boolean = () => true,
  ): Scored[] {
    const entry = this.#get(key)
    if (entry?.value.kind !== 'zset') return []
    const out: Scored[] = []
    for (const [member, score] of entry.value.members) if (keep(score)) out.push({ member, score })
    return out.sort(order)
  }

  #expire(key: string, at: number): void {
    const entry = this.#data.get(key)
    if (entry) entry.expiresAt = at
  }

  #zset(key: string): Map<string, number> {
    const value = this.#get(key)?.value
    return value?.kind === 'zset'
      ? value.members
      : this.#put(key, { kind: 'zset', members: new Map() }).members
  }

  #hash(key: string): Map<string, number> {
    const value = this.#get(key)?.value
    return value?.kind === 'hash'
      ? value.fields
      : this.#put(key, { kind: 'hash', fields: new Map() }).fields
  }

  #set(key: string): Set<string> {
    const value = this.#get(key)?.value
    return value?.kind === 'set'
      ? value.members
      : this.#put(key, { kind: 'set', members: new Set() }).members
  }

  /** SET semantics: the value replaces whatever was there, TTL included. */
  #put<V extends Value>(key: string, value: V, expiresAt: number | null = null): V {
    this.#data.set(key, { value, expiresAt })
    return value
  }
}
