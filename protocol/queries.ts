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

/**
 * debugpod reply: the pod's current PodReport (also in flight, with its events timeline) plus
 * the name's other UIDs (`history`, oldest first; `truncated` when only the newest were kept).
 */
export const DebugPodReply = v.object({
  ...PodReport.entries,
  history: v.array(HistoryEntry),
  truncated: v.optional(v.boolean()),
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

/** An opaque page cursor a reply's `next` handed out (base64url). */
const Cursor = v.pipe(v.string(), v.minLength(1), v.maxLength(1024), v.regex(/^[A-Za-z0-9_-]+$/))

/**
 * debugslo request: pods whose SLO of `type` finished within [from, to] (RFC 3339), optionally in
 * one namespace and with one result, diagnosis code or diagnosis owner. Filters apply before
 * paging; `cursor` (a reply's `next`) continues a listing, and carries its window, so `from` and
 * `to` may then be left out.
 */
export const DebugSloRequest = v.object({
  type: v.optional(SloKind, 'create'),
  namespace: v.optional(Name),
  result: v.optional(v.pipe(v.string(), v.maxLength(64))),
  code: v.optional(v.pipe(v.string(), v.maxLength(128))),
  owner: v.optional(v.picklist(['user', 'platform', 'unknown'])),
  from: v.optional(v.pipe(v.string(), v.isoTimestamp())),
  to: v.optional(v.pipe(v.string(), v.isoTimestamp())),
  limit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(5000)), 500),
  cursor: v.optional(Cursor),
  namespaces: Namespaces,
})
export type DebugSloRequest = v.InferOutput<typeof DebugSloRequest>

/** One listed pod in a debugslo or pods reply. */
export const SloPod = v.object({
  uid: v.string(),
  namespace: v.string(),
  name: v.string(),
  result: v.string(),
  code: v.nullable(v.string()),
  /** Who has to act on the diagnosis (`user`, `platform`, `unknown`); null without one. */
  owner: v.optional(v.nullable(v.string())),
  deliveryMs: v.nullable(v.number()),
  deleteMs: v.nullable(v.number()),
  finished: v.nullable(v.string()),
})
export type SloPod = v.InferOutput<typeof SloPod>

/** p50/p90/p99 of a duration, ms; null when nothing was measured. */
export const Percentiles = v.object({
  p50: v.nullable(v.number()),
  p90: v.nullable(v.number()),
  p99: v.nullable(v.number()),
})
export type Percentiles = v.InferOutput<typeof Percentiles>

/** Per-phase percentiles (the PodReport phases), ms. */
export const PhasePercentiles = v.object({
  schedule: Percentiles,
  nodeSetup: Percentiles,
  imagePull: Percentiles,
  init: Percentiles,
  containerStart: Percentiles,
  readiness: Percentiles,
})
export type PhasePercentiles = v.InferOutput<typeof PhasePercentiles>

/** Counts of a window: every verdict, by result and by diagnosis code. */
export const SloCounts = v.object({
  total: v.number(),
  byResult: v.record(v.string(), v.number()),
  byCode: v.record(v.string(), v.number()),
})
export type SloCounts = v.InferOutput<typeof SloCounts>

/** The aggregates of a set of verdicts (the whole filtered window, or one namespace of it). */
export const SloAggregate = v.object({
  counts: SloCounts,
  /** Delivery time (create) or delete time (delete) percentiles. */
  latencyMs: Percentiles,
  /** Per-phase percentiles (create only, and only when exact); null otherwise. */
  phasesMs: v.nullable(PhasePercentiles),
})
export type SloAggregate = v.InferOutput<typeof SloAggregate>

/**
 * How the percentiles were computed: `exact` (nearest rank over every verdict of the filtered
 * window, read one by one) or `interpolated` (linear inside the per-minute rollup histogram
 * buckets, for windows past the exact limit; the window is then widened to whole minutes). Each
 * interpolated percentile lies within `errorBoundMs` of the true value (the widest bucket used;
 * null when a percentile falls past the last bucket, unbounded). `samples` is the number of
 * measured durations.
 */
export const PercentileMethod = v.object({
  method: v.picklist(['exact', 'interpolated']),
  errorBoundMs: v.nullable(v.number()),
  samples: v.number(),
})
export type PercentileMethod = v.InferOutput<typeof PercentileMethod>

/** debugslo reply: one page of the filtered pods and the aggregates of the whole window. */
export const DebugSloReply = v.object({
  type: SloKind,
  from: v.string(),
  to: v.string(),
  pods: v.array(SloPod),
  /** Cursor of the next page (pass it as `cursor`), or null on the last page. */
  next: v.nullable(v.string()),
  /** The reply was cut to fit the bus (long strings shortened). */
  truncated: v.boolean(),
  ...SloAggregate.entries,
  percentiles: PercentileMethod,
  /** The same aggregates per namespace. */
  byNamespace: v.record(v.string(), SloAggregate),
})
export type DebugSloReply = v.InferOutput<typeof DebugSloReply>

/**
 * pods request: search by name prefix or UID (`q`), in a namespace or all, optionally with one
 * create result; newest verdict first, paged by `cursor`.
 */
export const PodsRequest = v.object({
  namespace: v.optional(Name),
  q: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(253))),
  result: v.optional(v.pipe(v.string(), v.maxLength(64))),
  limit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1000)), 100),
  cursor: v.optional(Cursor),
  namespaces: Namespaces,
})
export type PodsRequest = v.InferOutput<typeof PodsRequest>

/** pods reply: the matching pods of this page and the cursor of the next (null: done). */
export const PodsReply = v.object({
  pods: v.array(SloPod),
  next: v.nullable(v.string()),
  /** Index entries read for this page (a page may hold fewer than `limit` and still go on). */
  scanned: v.number(),
})
export type PodsReply = v.InferOutput<typeof PodsReply>
