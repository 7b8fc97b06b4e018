import * as v from 'valibot'
import { hex128 } from './hash.ts'
import { SignalSource } from './pod-signal.ts'
import { Precision } from './time.ts'

/** Milestone names of LIFECYCLE §3, in lifecycle order. */
export const MILESTONES = [
  'created',
  'firstScheduleFailure',
  'scheduled',
  'kubeletAccepted',
  'sandboxReady',
  'initialized',
  'containersStarted',
  'running',
  'containersReady',
  'ready',
  'succeeded',
  'failed',
  'deleteRequested',
  'deleted',
] as const
export const MilestoneName = v.picklist(MILESTONES)
export type MilestoneName = v.InferOutput<typeof MilestoneName>

/**
 * Where a reported milestone comes from: a signal source, or `event-bound` — not an observation
 * but an upper bound from the pod's earliest Event (only `created`, for a pod known only from
 * Events whose creation signal was lost: the pod was created at or before that time).
 */
export const MilestoneSource = v.picklist([...SignalSource.options, 'event-bound'])
export type MilestoneSource = v.InferOutput<typeof MilestoneSource>

/** A milestone as reported: RFC 3339 time with as many digits as its precision justifies. */
export const ReportMilestone = v.object({
  time: v.string(),
  precision: Precision,
  source: MilestoneSource,
})
export type ReportMilestone = v.InferOutput<typeof ReportMilestone>

const Ms = v.nullable(v.number())

/** Phase durations in ms; `null` when the phase could not be measured (never 0 for unknown). */
export const ReportPhases = v.object({
  schedule: Ms,
  nodeSetup: Ms,
  imagePull: Ms,
  init: Ms,
  containerStart: Ms,
  readiness: Ms,
})
export type ReportPhases = v.InferOutput<typeof ReportPhases>

/** Delivery SLIs of LIFECYCLE §4, in ms. */
export const ReportSli = v.object({
  deliveryMs: Ms,
  startupMs: Ms,
  startupEligible: v.boolean(),
  platformMs: Ms,
  deleteMs: Ms,
})
export type ReportSli = v.InferOutput<typeof ReportSli>

/**
 * Create SLO verdicts (LIFECYCLE §5). `pending` and `violated` are interim; `ignored` = not judged
 * (`ShouldIgnoreSinglePod` and the pod has no controller owner).
 */
export const CreateResult = v.picklist([
  'pending',
  'violated',
  'success',
  'late',
  'failed',
  'killed',
  'incomplete',
  'ignored',
])
export type CreateResult = v.InferOutput<typeof CreateResult>

/** Delete SLO verdicts. `pending` while the pod is terminating. */
export const DeleteResult = v.picklist(['pending', 'success', 'late', 'timeout', 'incomplete'])
export type DeleteResult = v.InferOutput<typeof DeleteResult>

/** One SLO's state: threshold, the deadline it implies, the result and when it was violated. */
export const ReportSlo = v.object({
  thresholdMs: v.number(),
  deadline: v.nullable(v.string()),
  result: v.string(),
  violatedAt: v.nullable(v.string()),
})
export type ReportSlo = v.InferOutput<typeof ReportSlo>

/** One piece of evidence behind a diagnosis. */
export const Evidence = v.object({
  time: v.string(),
  source: v.string(),
  reason: v.optional(v.string()),
  message: v.optional(v.string()),
  field: v.optional(v.string()),
})
export type Evidence = v.InferOutput<typeof Evidence>

/** Who has to act on a diagnosis. */
export const Owner = v.picklist(['user', 'platform', 'unknown'])
export type Owner = v.InferOutput<typeof Owner>

/** The diagnosis of LIFECYCLE §6. `findings` lists every matching code, primary first. */
export const ReportDiagnosis = v.object({
  code: v.string(),
  owner: Owner,
  phase: v.string(),
  summary: v.string(),
  detail: v.optional(v.string()),
  evidence: v.array(Evidence),
  findings: v.array(v.string()),
})
export type ReportDiagnosis = v.InferOutput<typeof ReportDiagnosis>

/**
 * One Kubernetes Event about the pod on its timeline (one per Event object; repeats bump `count`).
 * `first` is the Event's first occurrence (as precise as the Event said), `last` the newest
 * occurrence seen (RFC 3339, µs); `source` is the reporting component (`kubelet`,
 * `default-scheduler`…). A pod keeps its newest 500 Events.
 */
export const ReportEvent = v.object({
  reason: v.string(),
  type: v.string(),
  message: v.string(),
  count: v.number(),
  first: v.string(),
  last: v.string(),
  source: v.string(),
  fieldPath: v.optional(v.string()),
})
export type ReportEvent = v.InferOutput<typeof ReportEvent>

/**
 * The per-pod report, v1: the replay output contract (one JSON object per line, sorted by
 * `created` then `uid`) and the debugpod answer (LIFECYCLE §8).
 */
export const PodReport = v.object({
  v: v.literal(1),
  uid: v.string(),
  namespace: v.string(),
  name: v.string(),
  node: v.nullable(v.string()),
  owner: v.nullable(v.object({ kind: v.string(), name: v.string() })),
  preassigned: v.boolean(),
  staticPod: v.boolean(),
  milestones: v.record(MilestoneName, ReportMilestone),
  phases: ReportPhases,
  sli: ReportSli,
  restarts: v.number(),
  slo: v.object({
    create: ReportSlo,
    delete: v.nullable(ReportSlo),
  }),
  diagnosis: v.nullable(ReportDiagnosis),
  /**
   * What held the pod's deletion past its delete SLO (`late`, `timeout`, or still terminating past
   * the deadline): a `DeleteBlocked.*` code. Null otherwise; absent in reports written before it.
   */
  deleteDiagnosis: v.optional(v.nullable(ReportDiagnosis)),
  traceId: v.pipe(v.string(), v.regex(/^[0-9a-f]{32}$/)),
  /** The events timeline, oldest first (absent in reports written before it existed). */
  events: v.optional(v.array(ReportEvent)),
})
export type PodReport = v.InferOutput<typeof PodReport>

/** PodCreate trace id: the pod UID without dashes (32 lowercase hex digits). */
export function createTraceId(uid: string): string {
  const hex = uid.replaceAll('-', '').toLowerCase()
  return /^[0-9a-f]{32}$/.test(hex) ? hex : hex128(uid)
}
