import type { SloType } from './store.ts'

/**
 * Every store key, built in one place (RivetKit's `KEYS` object). All keys start with a
 * configurable prefix so several deployments or tests share one Redis.
 *
 * Redis Cluster: a key's slot is computed from the part between the first `{` and the next `}` (its
 * hash tag) when there is one. Keys that are read together in one request (a pipeline or a
 * transaction) share a hash tag, so they live in one slot and one request reaches one node. The
 * prefix therefore must not contain `{`: it would become the hash tag of every key and put the whole
 * store in a single slot.
 */
export interface StoreKeys {
  readonly prefix: string
  /** String: the pod's versioned actor state (JSON); expires `retention` after it is terminal. */
  pod(uid: string): string
  /** String: an unreadable state of the pod moved aside (kept for inspection), with a TTL. */
  podCorrupt(uid: string): string
  /**
   * Sorted set: UIDs that held `namespace/name`, scored by creation time (epoch µs). Tagged with
   * the whole name so a cluster spreads names across slots.
   */
  name(namespace: string, name: string): string
  /** Sorted set: UIDs whose `type` SLO finished, scored by finish time (epoch µs), all namespaces. */
  slo(type: SloType): string
  /**
   * Sorted set: the same, for one namespace. Shares the `{<type>}` tag with `slo(type)` so one
   * per-slot transaction updates both indexes together, even on a cluster.
   */
  sloNs(type: SloType, namespace: string): string
  /**
   * Hash: the per-minute rollup counters of `type` in `namespace` (minute = epoch ms / 60000). All
   * minutes of one namespace share the `{<type>:<ns>}` tag, so a range read is one pipeline to one
   * node.
   */
  roll(type: SloType, namespace: string, minute: number): string
  /** Set: namespaces that have rollups of `type`. */
  rollNamespaces(type: SloType): string
  /** Sorted set: the alarms of one partition, UID scored by deadline (epoch µs); tagged per partition. */
  alarm(partition: number): string
  /**
   * Sorted set: UIDs with state in one partition scored by their last write (epoch ms): replay
   * closes them all at its end; members not written within the retention are trimmed. Shares the `{<partition>}` tag with `alarm(partition)`, so a pod's alarm and membership
   * change together in one slot.
   */
  members(partition: number): string
  /** String: a small metadata value (collector checkpoints, lease mirrors). */
  meta(key: string): string
  /**
   * String: the partition's fence counter (integer), bumped by every batch its owner writes.
   * Shares the `{<partition>}` tag with the partition's alarms and members.
   */
  fence(partition: number): string
}

/** The key builders for `prefix` (default `lunettes:`). */
export function createKeys(prefix = 'lunettes:'): StoreKeys {
  return {
    prefix,
    pod: (uid) => `${prefix}pod:${uid}`,
    podCorrupt: (uid) => `${prefix}pod-corrupt:${uid}`,
    name: (namespace, name) => `${prefix}name:{${namespace}/${name}}`,
    slo: (type) => `${prefix}slo:{${type}}`,
    sloNs: (type, namespace) => `${prefix}slo:{${type}}:${namespace}`,
    roll: (type, namespace, minute) => `${prefix}roll:{${type}:${namespace}}:${minute}`,
    rollNamespaces: (type) => `${prefix}roll-ns:${type}`,
    alarm: (partition) => `${prefix}alarm:{${partition}}`,
    members: (partition) => `${prefix}members:{${partition}}`,
    meta: (key) => `${prefix}meta:${key}`,
    fence: (partition) => `${prefix}fence:{${partition}}`,
  }
}
