import * as v from 'valibot'
import { PodReport } from './pod-report.ts'

/** Query names served on `lunettes.query.<name>` by the actor hosts' query service. */
export const QUERY_NAMES = ['debugpod', 'debugslo', 'pods'] as const

const Uid = v.pipe(v.string(), v.minLength(1), v.maxLength(128))
const Name = v.pipe(v.string(), v.minLength(1), v.maxLength(253))

/**
 * The namespaces the asking user may read (the gateway's auth decides them): results outside
 * them are left out (debugpod answers NotFound). Absent or null: no restriction.
 */
const Namespaces = v.optional(v.nullable(v.pipe(v.array(Name), v.maxLength(10_000))))

/** debugpod request: one pod by UID, or the newest pod that held `namespace/name`. */
export const DebugPodRequest = v.union([
  v.object({ uid: Uid, namespaces: Namespaces }),
  v.object({ namespace: Name, name: Name, namespaces: Namespaces }),
])
export type DebugPodRequest = v.InferOutput<typeof DebugPodRequest>

/** An earlier (or later) pod that held the same name. */
export const HistoryEntry = v.object({
  uid: v.string(),
  created: v.nullable(v.string()),
  result: v.string(),
})
export type HistoryEntry = v.InferOutput<typeof HistoryEntry>

/** debugpod reply: the pod's current PodReport (also in flight) plus the name's other UIDs. */
export const DebugPodReply = v.object({
  ...PodReport.entries,
  history: v.array(HistoryEntry),
  /** Link to the PodCreate trace in Jaeger, when the UI URL is configured. */
  traceUrl: v.optional(v.string()),
})
export type DebugPodReply = v.InferOutput<typeof DebugPodReply>

/** Error codes a query can answer with. */
export const QueryErrorCode = v.picklist(['NotFound', 'BadRequest', 'Internal'])
export type QueryErrorCode = v.InferOutput<typeof QueryErrorCode>

/** The error reply of any query: `{"error":{"code":"NotFound","message":"…"}}`. */
export const QueryError = v.object({
  error: v.object({ code: QueryErrorCode, message: v.string() }),
})
export type QueryError = v.InferOutput<typeof QueryError>

/** SLO kinds a debugslo query lists. */
export const SloKind = v.picklist(['create', 'delete'])

/**
 * debugslo request: pods whose SLO of `type` finished within [from, to] (RFC 3339), optionally in
 * one namespace and with one result or diagnosis code; aggregates come from per-minute rollups.
 */
export const DebugSloRequest = v.object({
  type: v.optional(SloKind, 'create'),
  namespace: v.optional(Name),
  result: v.optional(v.string()),
  code: v.optional(v.string()),
  from: v.pipe(v.string(), v.isoTimestamp()),
  to: v.pipe(v.string(), v.isoTimestamp()),
  limit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(5000)), 500),
  namespaces: Namespaces,
})
export type DebugSloRequest = v.InferOutput<typeof DebugSloRequest>

/** One listed pod in a debugslo reply. */
export const SloPod = v.object({
  uid: v.string(),
  namespace: v.string(),
  name: v.string(),
  result: v.string(),
  code: v.nullable(v.string()),
  deliveryMs: v.nullable(v.number()),
  deleteMs: v.nullable(v.number()),
  finished: v.nullable(v.string()),
})
export type SloPod = v.InferOutput<typeof SloPod>

/** debugslo reply: the matching pods and the window's aggregates. */
export const DebugSloReply = v.object({
  type: SloKind,
  from: v.string(),
  to: v.string(),
  pods: v.array(SloPod),
  /** Whether more pods matched than `limit`. */
  truncated: v.boolean(),
  counts: v.object({
    total: v.number(),
    byResult: v.record(v.string(), v.number()),
    byCode: v.record(v.string(), v.number()),
  }),
  /** Latency percentiles (ms) of the SLI over the window, from bucketed rollups; null if none. */
  latencyMs: v.object({
    p50: v.nullable(v.number()),
    p90: v.nullable(v.number()),
    p99: v.nullable(v.number()),
  }),
})
export type DebugSloReply = v.InferOutput<typeof DebugSloReply>

/** pods request: the most recently finished pods of a namespace (or all), newest first. */
export const PodsRequest = v.object({
  namespace: v.optional(Name),
  limit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1000)), 100),
  namespaces: Namespaces,
})
export type PodsRequest = v.InferOutput<typeof PodsRequest>

export const PodsReply = v.object({ pods: v.array(SloPod) })
export type PodsReply = v.InferOutput<typeof PodsReply>
