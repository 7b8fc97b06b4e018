/**
 * Where actor state and its indexes live. Two implementations share this contract and one contract
 * test suite: Redis (`redis-store.ts`, ioredis; Redis Cluster works unchanged) and the in-memory
 * embedded store (`memory-store.ts`). Keys are built only in `keys.ts`.
 */

/** SLO kinds indexed for listing. */
export type SloType = 'create' | 'delete'

/** One write; a batch of them is applied atomically by `Store.write`. */
export type WriteOp =
  /** The versioned actor state (JSON); `ttlMs` set once the pod is terminal (retention). */
  | { op: 'state'; uid: string; json: string; ttlMs: number | null }
  /** `namespace/name` was held by `uid`, created at `createdUs` (epoch µs). */
  | { op: 'name'; namespace: string; name: string; uid: string; createdUs: number }
  /** The name index of `namespace/name` expires `ttlMs` from now (refreshed with its pods). */
  | { op: 'keepName'; namespace: string; name: string; ttlMs: number }
  /**
   * The pod's `type` SLO reached a final verdict at `finishedUs`. With `retainMs`, entries that
   * finished more than `retainMs` before it leave both indexes, and the namespace's index expires
   * `retainMs` after its last verdict.
   */
  | {
      op: 'slo'
      type: SloType
      namespace: string
      uid: string
      finishedUs: number
      retainMs?: number
    }
  /** Adds to the per-minute rollup counters of `type` in `namespace` (minute = epoch ms / 60000). */
  | {
      op: 'rollup'
      type: SloType
      namespace: string
      minute: number
      fields: Readonly<Record<string, number>>
    }
  /** Sets (or clears, `at: null`) the pod's alarm in its partition's alarm set (epoch µs). */
  | { op: 'alarm'; partition: number; uid: string; at: number | null }
  /** Small metadata values: collector checkpoints, outboxes, aliases. `null` deletes. */
  | { op: 'meta'; key: string; value: string | null; ttlMs?: number }
  /**
   * `uid` has state in `partition`, written at `atMs` (epoch ms): what replay closes at its end.
   * With `retainMs`, members not written for longer than that leave the index.
   */
  | { op: 'member'; partition: number; uid: string; atMs: number; retainMs?: number }
  /** Removes a pod's state, alarm and membership (a static-pod config actor merged away). */
  | { op: 'forget'; partition: number; uid: string }
  /**
   * Moves a pod state that cannot be read out of the way: `json` (the unreadable text) is kept
   * under the pod's corrupt-state key for `ttlMs`, and the pod's state is deleted, so the pod
   * starts again from an empty state. Put it before any `state` op of the same pod.
   */
  | { op: 'moveAside'; uid: string; json: string; ttlMs: number }
  /**
   * Optimistic concurrency for a partition's writer: the whole batch applies only if the
   * partition's fence counter is `expect` (absent counts as 0), which then becomes `next`;
   * otherwise nothing is written and `write` rejects with `StoreConflictError`. At most one per
   * batch. Two hosts that both believe they own a partition (a lease that lapsed while its owner
   * was cut off from NATS) can therefore never interleave their batches.
   */
  | { op: 'fence'; partition: number; expect: number; next: number }

/** A due alarm. */
export interface DueAlarm {
  readonly uid: string
  readonly at: number
}

/** One minute of rollup counters. */
export interface RollupMinute {
  readonly minute: number
  readonly fields: Readonly<Record<string, number>>
}

/** Store failures (connection lost, script error). */
export class StoreError extends Error {
  override readonly name: string = 'StoreError'
}

/** A fenced write lost: another writer moved the partition's fence counter first. */
export class StoreConflictError extends StoreError {
  override readonly name: string = 'StoreConflictError'
  readonly partition: number
  readonly expected: number
  readonly found: number
  constructor(partition: number, expected: number, found: number) {
    super(
      `partition ${partition} was written by another owner (fence ${found}, expected ${expected}); nothing was written`,
    )
    this.partition = partition
    this.expected = expected
    this.found = found
  }
}

export interface Store {
  /** The pod's raw state JSON, or null. */
  getState(uid: string): Promise<string | null>
  /** Many states at once, in the order asked. */
  getStates(uids: readonly string[]): Promise<(string | null)[]>
  /** Applies the writes atomically (all or nothing) and durably as the store allows. */
  write(ops: readonly WriteOp[]): Promise<void>
  /** UIDs that held `namespace/name`, newest creation first. */
  uidsByName(namespace: string, name: string): Promise<string[]>
  /** The same with their creation times (epoch µs), oldest first. */
  nameEntries(namespace: string, name: string): Promise<{ uid: string; createdUs: number }[]>
  /** UIDs with state in `partition` (unordered). */
  members(partition: number): Promise<string[]>
  /**
   * UIDs whose `type` SLO finished in [fromUs, toUs], newest first, at most `limit`; all
   * namespaces when `namespace` is null.
   */
  sloRange(
    type: SloType,
    namespace: string | null,
    fromUs: number,
    toUs: number,
    limit: number,
  ): Promise<string[]>
  /** Namespaces that have rollups of `type`. */
  rollupNamespaces(type: SloType): Promise<string[]>
  /** Rollup minutes of `type` in `namespace` within [fromMinute, toMinute], ascending. */
  rollups(
    type: SloType,
    namespace: string,
    fromMinute: number,
    toMinute: number,
  ): Promise<RollupMinute[]>
  /** Alarms of `partition` due at or before `atUs`, earliest first, at most `limit`. */
  dueAlarms(partition: number, atUs: number, limit: number): Promise<DueAlarm[]>
  /** The earliest alarm of `partition`, or null. */
  nextAlarm(partition: number): Promise<number | null>
  /** A metadata value, or null. */
  getMeta(key: string): Promise<string | null>
  /** The unreadable state a `moveAside` op kept for the pod, or null. */
  corruptState(uid: string): Promise<string | null>
  /** The partition's fence counter (0 when never fenced). */
  fence(partition: number): Promise<number>
  /** Closes connections. */
  close(): Promise<void>
}
