import type { Cluster, Redis } from 'ioredis'
import { createKeys, type StoreKeys } from './keys.ts'
import {
  createRedisClient,
  firstConnection,
  type RedisSettings,
  redisSettings,
  watchRedisErrors,
} from './redis-connect.ts'
import { bySlot, type Command, toCommands } from './redis-store-commands.ts'
import { writeFenced } from './redis-store-fence.ts'
import {
  type DueAlarm,
  type RollupMinute,
  type SloType,
  type Store,
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

/** A pino-compatible logger (only `warn` is used). */
export interface StoreLogger {
  warn(obj: object, msg: string): void
}

export interface RedisStoreOptions {
  /** The client; the store owns it from now on and `close()` closes it. */
  readonly redis: Redis | Cluster
  readonly prefix?: string
  /** How long a rollup minute is kept after its last increment (default 30 days). */
  readonly rollupTtlMs?: number
}

export interface RedisConnectOptions {
  readonly rollupTtlMs?: number
  readonly logger?: StoreLogger
  /**
   * Reconnect attempts a command waits through before it fails with `StoreError` (default 10: with
   * the 100 ms → 2 s backoff, about 5.5 s of outage is ridden out).
   */
  readonly maxRetriesPerRequest?: number
}

/** A score bound as Redis reads it (`±inf` for unbounded). */
const bound = (n: number): string =>
  n === Infinity ? '+inf' : n === -Infinity ? '-inf' : String(n)

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err))

/**
 * The store on Redis (ioredis; a `Cluster` works too). A batch is one MULTI/EXEC; on a cluster a
 * transaction must stay within one slot, so there it is one MULTI/EXEC per slot: each slot's part is
 * atomic (both SLO indexes share a slot, as do a namespace's rollup minutes) but the batch as a whole
 * is not. Every score is epoch µs (< 2^53, exact as a Redis double) and is parsed back with `Number`.
 * Invalid batches and read arguments throw `TypeError`/`RangeError` before anything is sent; Redis
 * and connection failures reject with `StoreError` naming the operation, the cause attached.
 */
export class RedisStore implements Store {
  readonly #redis: Redis | Cluster
  readonly #keys: StoreKeys
  readonly #rollupTtlMs: number

  constructor({ redis, prefix, rollupTtlMs = DEFAULT_ROLLUP_TTL_MS }: RedisStoreOptions) {
    this.#redis = redis
    this.#keys = createKeys(prefix)
    this.#rollupTtlMs = rollupTtlMs
  }

  /**
   * Connects to `url` (`redis://…`, `rediss://…`, with `user:password@`). Commands issued while the
   * connection is down wait in the offline queue and are sent once it is back, so a short Redis
   * restart is ridden out; after `maxRetriesPerRequest` failed reconnects they reject with
   * `StoreError`. Connection errors are logged at warn, throttled, the URL redacted.
   */
  static connect(url: string, prefix?: string, options: RedisConnectOptions = {}): RedisStore {
    return RedisStore.fromSettings(redisSettings({ REDIS_URL: url }), prefix, options)
  }

  /** Connects as `settings` say (standalone, Cluster or Sentinel; auth; TLS): see `connect`. */
  static fromSettings(
    settings: RedisSettings,
    prefix?: string,
    options: RedisConnectOptions = {},
  ): RedisStore {
    const { logger, maxRetriesPerRequest = 10, rollupTtlMs } = options
    const redis = createRedisClient(settings, { maxRetriesPerRequest })
    watchRedisErrors(redis, settings.display, logger)
    return new RedisStore({
      redis,
      ...(prefix === undefined ? {} : { prefix }),
      ...(rollupTtlMs === undefined ? {} : { rollupTtlMs }),
    })
  }

  /**
   * `fromSettings`, then waits for the first connection: rejects with StoreError naming the server
   * (redacted) when Redis refuses the credentials, so a wrong password stops the process at start.
   */
  static async open(
    settings: RedisSettings,
    prefix?: string,
    options: RedisConnectOptions = {},
  ): Promise<RedisStore> {
    const store = RedisStore.fromSettings(settings, prefix, options)
    try {
      await firstConnection(store.#redis, settings.display)
    } catch (err: unknown) {
      await store.close()
      throw err
    }
    return store
  }

  async getState(uid: string): Promise<string | null> {
    return this.#call('getState', () => this.#redis.get(this.#keys.pod(uid)))
  }

  async getStates(uids: readonly string[]): Promise<(string | null)[]> {
    if (uids.length === 0) return []
    const keys = uids.map((uid) => this.#keys.pod(uid))
    return this.#call('getStates', () =>
      // MGET must stay within one slot on a cluster; there, one GET per key (auto-routed).
      this.#redis.isCluster
        ? Promise.all(keys.map((key) => this.#redis.get(key)))
        : this.#redis.mget(keys),
    )
  }

  async write(ops: readonly WriteOp[]): Promise<void> {
    validateWriteOps(ops)
    const commands = ops.flatMap((op) => toCommands(op, this.#keys, this.#rollupTtlMs))
    const fence = fenceOf(ops)
    if (fence) {
      const key = this.#keys.fence(fence.partition)
      const multi = (batch: Command[]) => this.#multi(batch)
      await this.#call('write', () => writeFenced(this.#redis, key, fence, commands, multi))
      return
    }
    if (commands.length === 0) return
    const batches = this.#redis.isCluster ? bySlot(commands) : [commands]
    await this.#call('write', async () => {
      await Promise.all(batches.map((batch) => this.#multi(batch)))
    })
  }

  async fence(partition: number): Promise<number> {
    checkPartition(partition)
    const value = await this.#call('fence', () => this.#redis.get(this.#keys.fence(partition)))
    return value === null ? 0 : Number(value)
  }

  /** One MULTI/EXEC; a command failing inside it is reported by name. */
  async #multi(batch: Command[]): Promise<void> {
    const replies = await this.#redis.multi(batch).exec()
    if (replies === null) throw new Error('transaction was discarded')
    replies.forEach(([err], i) => {
      if (err) {
        const name = batch[i]?.[0] ?? '?'
        throw new Error(`${name} failed inside the transaction (others applied): ${err.message}`)
      }
    })
  }

  async uidsByName(namespace: string, name: string): Promise<string[]> {
    const key = this.#keys.name(namespace, name)
    return this.#call('uidsByName', () => this.#redis.zrevrange(key, 0, -1))
  }

  async nameEntries(
    namespace: string,
    name: string,
  ): Promise<{ uid: string; createdUs: number }[]> {
    const key = this.#keys.name(namespace, name)
    const flat = await this.#call('nameEntries', () => this.#redis.zrange(key, 0, -1, 'WITHSCORES'))
    return pairs(flat).map(([uid, score]) => ({ uid, createdUs: score }))
  }

  async members(partition: number): Promise<string[]> {
    checkPartition(partition)
    const key = this.#keys.members(partition)
    return this.#call('members', () => this.#redis.zrange(key, 0, -1))
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
    if (limit === 0) return []
    const key = namespace === null ? this.#keys.slo(type) : this.#keys.sloNs(type, namespace)
    return this.#call('sloRange', () =>
      this.#redis.zrevrangebyscore(key, bound(toUs), bound(fromUs), 'LIMIT', 0, limit),
    )
  }

  async rollupNamespaces(type: SloType): Promise<string[]> {
    const key = this.#keys.rollNamespaces(type)
    const members = await this.#call('rollupNamespaces', () => this.#redis.smembers(key))
    return members.sort()
  }

  async rollups(
    type: SloType,
    namespace: string,
    fromMinute: number,
    toMinute: number,
  ): Promise<RollupMinute[]> {
    const span = rollupSpan(type, fromMinute, toMinute)
    if (span === 0) return []
    // One pipeline: all minutes of a namespace share a hash tag, hence one slot and one node.
    const pipeline = this.#redis.pipeline()
    for (let i = 0; i < span; i++)
      pipeline.hgetall(this.#keys.roll(type, namespace, fromMinute + i))
    const replies = await this.#call('rollups', async () => (await pipeline.exec()) ?? [])
    const out: RollupMinute[] = []
    replies.forEach(([err, hash], i) => {
      if (err) throw new StoreError(`redis rollups failed: ${err.message}`, { cause: err })
      const entries = Object.entries((hash ?? {}) as Record<string, string>)
      if (entries.length === 0) return
      const fields = Object.fromEntries(entries.map(([name, n]) => [name, Number(n)]))
      out.push({ minute: fromMinute + i, fields })
    })
    return out
  }

  async dueAlarms(partition: number, atUs: number, limit: number): Promise<DueAlarm[]> {
    checkPartition(partition)
    checkBound(atUs, 'atUs')
    checkLimit(limit)
    if (limit === 0) return []
    const key = this.#keys.alarm(partition)
    const flat = await this.#call('dueAlarms', () =>
      this.#redis.zrangebyscore(key, '-inf', bound(atUs), 'WITHSCORES', 'LIMIT', 0, limit),
    )
    return pairs(flat).map(([uid, at]) => ({ uid, at }))
  }

  async nextAlarm(partition: number): Promise<number | null> {
    checkPartition(partition)
    const key = this.#keys.alarm(partition)
    const flat = await this.#call('nextAlarm', () => this.#redis.zrange(key, 0, 0, 'WITHSCORES'))
    return flat[1] === undefined ? null : Number(flat[1])
  }

  async getMeta(key: string): Promise<string | null> {
    return this.#call('getMeta', () => this.#redis.get(this.#keys.meta(key)))
  }

  async corruptState(uid: string): Promise<string | null> {
    return this.#call('corruptState', () => this.#redis.get(this.#keys.podCorrupt(uid)))
  }

  async close(): Promise<void> {
    if (this.#redis.status === 'end') return
    if (this.#redis.status !== 'ready') {
      this.#redis.disconnect()
      return
    }
    try {
      await this.#redis.quit()
    } catch {
      // QUIT failing means the connection is already gone: closing is done either way.
      this.#redis.disconnect()
    }
  }

  async #call<T>(operation: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run()
    } catch (err: unknown) {
      if (err instanceof StoreError) throw err
      throw new StoreError(`redis ${operation} failed: ${message(err)}`, { cause: err })
    }
  }
}

/** A WITHSCORES reply as [member, score] pairs; scores parse exactly (integers < 2^53). */
function pairs(flat: readonly string[]): [string, number][] {
  const out: [string, number][] = []
  for (let i = 0; i + 1 < flat.length; i += 2) out.push([flat[i] ?? '', Number(flat[i + 1])])
  return out
}
