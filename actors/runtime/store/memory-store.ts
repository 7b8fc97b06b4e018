import { createKeys, type StoreKeys } from './keys.ts'
import { ascending, descending, Keyspace } from './memory-values.ts'
import {
  type DueAlarm,
  type RollupMinute,
  type SloType,
  type Store,
  StoreConflictError,
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
  readonly #ks: Keyspace
  readonly #keys: StoreKeys
  readonly #rollupTtlMs: number

  constructor({
    now = Date.now,
    prefix,
    rollupTtlMs = DEFAULT_ROLLUP_TTL_MS,
    sweepIntervalMs = 60_000,
  }: MemoryStoreOptions = {}) {
    this.#ks = new Keyspace(now, sweepIntervalMs)
    this.#keys = createKeys(prefix)
    this.#rollupTtlMs = rollupTtlMs
  }

  async getState(uid: string): Promise<string | null> {
    return this.#ks.string(this.#keys.pod(uid))
  }

  async getStates(uids: readonly string[]): Promise<(string | null)[]> {
    this.#ks.assertOpen()
    return uids.map((uid) => this.#ks.string(this.#keys.pod(uid)))
  }

  async write(ops: readonly WriteOp[]): Promise<void> {
    this.#ks.assertOpen()
    validateWriteOps(ops)
    const fence = fenceOf(ops)
    if (fence) {
      // Synchronous from check to apply: no other batch can slip in between.
      const found = this.#fence(fence.partition)
      if (found !== fence.expect) throw new StoreConflictError(fence.partition, fence.expect, found)
    }
    const now = this.#ks.now()
    this.#ks.maybeSweep(now)
    for (const op of ops) this.#apply(op, now)
  }

  async fence(partition: number): Promise<number> {
    checkPartition(partition)
    return this.#fence(partition)
  }

  #fence(partition: number): number {
    return Number(this.#ks.string(this.#keys.fence(partition)) ?? 0)
  }

  async uidsByName(namespace: string, name: string): Promise<string[]> {
    return this.#ks.sorted(this.#keys.name(namespace, name), descending).map((s) => s.member)
  }

  async nameEntries(
    namespace: string,
    name: string,
  ): Promise<{ uid: string; createdUs: number }[]> {
    const sorted = this.#ks.sorted(this.#keys.name(namespace, name), ascending)
    return sorted.map((s) => ({ uid: s.member, createdUs: s.score }))
  }

  async members(partition: number): Promise<string[]> {
    checkPartition(partition)
    return this.#ks.sorted(this.#keys.members(partition), ascending).map((s) => s.member)
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
    return this.#ks
      .sorted(key, descending, (s) => s >= fromUs && s <= toUs)
      .slice(0, limit)
      .map((s) => s.member)
  }

  async rollupNamespaces(type: SloType): Promise<string[]> {
    const entry = this.#ks.get(this.#keys.rollNamespaces(type))
    return entry?.value.kind === 'set' ? [...entry.value.members].sort() : []
  }

  async rollups(
    type: SloType,
    namespace: string,
    fromMinute: number,
    toMinute: number,
  ): Promise<RollupMinute[]> {
    const span = rollupSpan(type, fromMinute, toMinute)
    this.#ks.assertOpen()
    const out: RollupMinute[] = []
    for (let minute = fromMinute; minute < fromMinute + span; minute++) {
      const entry = this.#ks.get(this.#keys.roll(type, namespace, minute))
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
    return this.#ks
      .sorted(this.#keys.alarm(partition), ascending, (s) => s <= atUs)
      .slice(0, limit)
      .map((s) => ({ uid: s.member, at: s.score }))
  }

  async nextAlarm(partition: number): Promise<number | null> {
    checkPartition(partition)
    return this.#ks.sorted(this.#keys.alarm(partition), ascending)[0]?.score ?? null
  }

  async getMeta(key: string): Promise<string | null> {
    return this.#ks.string(this.#keys.meta(key))
  }

  async corruptState(uid: string): Promise<string | null> {
    return this.#ks.string(this.#keys.podCorrupt(uid))
  }

  async close(): Promise<void> {
    this.#ks.close()
  }

  #apply(op: WriteOp, now: number): void {
    const k = this.#keys
    switch (op.op) {
      case 'state': {
        const expiresAt = op.ttlMs === null ? null : now + op.ttlMs
        this.#ks.put(k.pod(op.uid), { kind: 'string', value: op.json }, expiresAt)
        return
      }
      case 'name':
        this.#ks.zset(k.name(op.namespace, op.name)).set(op.uid, op.createdUs)
        return
      case 'keepName':
        this.#ks.expire(k.name(op.namespace, op.name), now + op.ttlMs)
        return
      case 'slo': {
        const [all, ns] = [k.slo(op.type), k.sloNs(op.type, op.namespace)]
        this.#ks.zset(all).set(op.uid, op.finishedUs)
        this.#ks.zset(ns).set(op.uid, op.finishedUs)
        if (op.retainMs === undefined) return
        const below = op.finishedUs - op.retainMs * 1000
        this.#ks.trimBelow(all, below)
        this.#ks.trimBelow(ns, below)
        this.#ks.expire(ns, now + op.retainMs)
        return
      }
      case 'rollup': {
        const names = Object.entries(op.fields)
        if (names.length === 0) return
        const key = k.roll(op.type, op.namespace, op.minute)
        const hash = this.#ks.hash(key)
        for (const [name, n] of names) hash.set(name, (hash.get(name) ?? 0) + n)
        this.#ks.expire(key, now + this.#rollupTtlMs)
        const nsKey = k.rollNamespaces(op.type)
        this.#ks.set(nsKey).add(op.namespace)
        this.#ks.expire(nsKey, now + this.#rollupTtlMs)
        return
      }
      case 'alarm':
        if (op.at === null) this.#ks.remove(k.alarm(op.partition), op.uid)
        else this.#ks.zset(k.alarm(op.partition)).set(op.uid, op.at)
        return
      case 'member':
        this.#ks.zset(k.members(op.partition)).set(op.uid, op.atMs)
        // As a state's TTL: gone once `retainMs` have passed since its last write.
        if (op.retainMs !== undefined) {
          this.#ks.trimBelow(k.members(op.partition), op.atMs - op.retainMs + 1)
        }
        return
      case 'forget':
        this.#ks.delete(k.pod(op.uid))
        this.#ks.remove(k.alarm(op.partition), op.uid)
        this.#ks.remove(k.members(op.partition), op.uid)
        return
      case 'moveAside':
        this.#ks.put(k.podCorrupt(op.uid), { kind: 'string', value: op.json }, now + op.ttlMs)
        this.#ks.delete(k.pod(op.uid))
        return
      case 'meta':
        if (op.value === null) this.#ks.delete(k.meta(op.key))
        else {
          const expiresAt = op.ttlMs === undefined ? null : now + op.ttlMs
          this.#ks.put(k.meta(op.key), { kind: 'string', value: op.value }, expiresAt)
        }
        return
      case 'fence':
        this.#ks.put(k.fence(op.partition), { kind: 'string', value: String(op.next) })
        return
    }
  }
}
