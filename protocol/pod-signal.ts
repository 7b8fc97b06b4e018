import * as v from 'valibot'
import { FIELD_DROP_REASONS, type FieldDrops } from './field-guard.ts'
import { MAX_TIME, MIN_TIME, Precision } from './time.ts'

/** Epoch µs within 1970–9999: what every time of a signal is (see `parseTime`). */
const Time = v.pipe(v.number(), v.integer(), v.minValue(MIN_TIME), v.maxValue(MAX_TIME))
/** A finite count ≥ 0. */
const Count = v.pipe(v.number(), v.safeInteger(), v.minValue(0))

/** Where a signal came from (LIFECYCLE §1). `list` marks a final-state snapshot (a listed Pod). */
export const SignalSource = v.picklist(['audit', 'watch', 'event', 'list'])
export type SignalSource = v.InferOutput<typeof SignalSource>

/**
 * The pod a signal is about. `uid` is absent when the input did not carry it (audit records on
 * `pods/binding`, owner events "Created pod: NAME"); the actor host then resolves
 * `namespace/name` to the newest live UID of that name.
 */
export const PodKey = v.object({
  namespace: v.string(),
  name: v.string(),
  uid: v.optional(v.string()),
})
export type PodKey = v.InferOutput<typeof PodKey>

/** A container as the spec declares it. */
/** `restartPolicy: Always` on an init container makes it a native sidecar (Kubernetes 1.28+). */
export const ContainerSpec = v.object({
  name: v.string(),
  image: v.string(),
  restartPolicy: v.optional(v.string()),
})
export type ContainerSpec = v.InferOutput<typeof ContainerSpec>

/**
 * What a signal learned about the pod object itself (spec and metadata), when it saw the object.
 * Every field is optional: a signal only carries what its input showed. The actor merges them.
 */
export const PodFacts = v.object({
  /** `metadata.creationTimestamp`, epoch µs (1 s precision). */
  creationTimestamp: v.optional(Time),
  owner: v.optional(v.nullable(v.object({ kind: v.string(), name: v.string() }))),
  labels: v.optional(v.record(v.string(), v.string())),
  nodeName: v.optional(v.string()),
  schedulerName: v.optional(v.string()),
  restartPolicy: v.optional(v.string()),
  containers: v.optional(v.array(ContainerSpec)),
  initContainers: v.optional(v.array(ContainerSpec)),
  /** Volume source kinds in spec order, e.g. `secret`, `configMap`, `persistentVolumeClaim`. */
  volumeKinds: v.optional(v.array(v.string())),
  /** Names of containers that declare a postStart hook. */
  postStartHooks: v.optional(v.array(v.string())),
  /** Number of `spec.readinessGates`. */
  readinessGates: v.optional(Count),
  /** A mirror pod of a static pod (`kubernetes.io/config.mirror` annotation or a Node owner). */
  staticPod: v.optional(v.boolean()),
  /**
   * The `kubernetes.io/config.hash` annotation of a mirror pod: the UID under which the kubelet
   * files the static pod's Events. The host merges that UID's signals into this pod.
   */
  configHash: v.optional(v.string()),
  finalizers: v.optional(v.array(v.string())),
  /** `preemptionPolicy` / priority are not needed; only whether preemption was asked for. */
  nominatedNodeName: v.optional(v.string()),
})
export type PodFacts = v.InferOutput<typeof PodFacts>

/**
 * One operation in the upstream-compatible vocabulary (LIFECYCLE §2), e.g. `pod:create:success`,
 * `schedule:binding:success`, `condition:Ready:true`, `phase:Running:set`,
 * `containerState:app:terminated:OOMKilled;exitCode:137`. The structured fields repeat what the
 * actor needs without re-parsing the string.
 */
export const PodOp = v.object({
  op: v.string(),
  /** Condition reason, phase reason, terminated/waiting reason, create failure reason. */
  reason: v.optional(v.string()),
  /** At most `MAX_MESSAGE_BYTES`, ending in `…[truncated, N bytes]` when cut. */
  message: v.optional(v.string()),
  /** The message's original UTF-8 length; set only when `message` was truncated. */
  messageBytes: v.optional(Count),
  /** Container name for container ops. */
  container: v.optional(v.string()),
  /** True when the container is an init container. */
  init: v.optional(v.boolean()),
  exitCode: v.optional(v.pipe(v.number(), v.integer())),
  /** Restart count, for `containerRestartCount:*`. */
  count: v.optional(Count),
  /** HTTP status of the audited request, for `pod:create:failed`. */
  code: v.optional(v.pipe(v.number(), v.integer())),
  /** Node name for `schedule:binding:success`. */
  node: v.optional(v.string()),
  /** Grace period in seconds for `pod:delete:success`. */
  grace: v.optional(Count),
})
export type PodOp = v.InferOutput<typeof PodOp>

/**
 * A Kubernetes Event about the pod (core/v1 or events.k8s.io/v1), reduced to what diagnosis and
 * traces need. One signal per occurrence that the input shows: the first, and each count/series
 * bump.
 */
export const PodEventInfo = v.object({
  /** The Event object's own UID (stable across count bumps). */
  uid: v.string(),
  reason: v.string(),
  type: v.string(),
  /** At most `MAX_MESSAGE_BYTES`, ending in `…[truncated, N bytes]` when cut. */
  message: v.string(),
  /** The message's original UTF-8 length; set only when `message` was truncated. */
  messageBytes: v.optional(Count),
  /** Occurrence number this signal stands for (1 for the first). */
  count: Count,
  /** Reporting component: `kubelet`, `default-scheduler`, `replicaset-controller`, … */
  component: v.string(),
  /** `spec.containers{name}` style path, when the event is about a container. */
  fieldPath: v.optional(v.string()),
  /** First occurrence, epoch µs, and its precision. */
  first: Time,
  firstPrecision: Precision,
})
export type PodEventInfo = v.InferOutput<typeof PodEventInfo>

/**
 * The message every collector publishes and every actor folds (versioned). `time` is epoch µs of
 * the fact reported (audit `stageTimestamp`, the event occurrence, the field's own timestamp), and
 * `precision` says how far to trust it. `id` is the dedupe key: identical for the same fact seen
 * twice through the same path (redelivery, re-list, a re-read file).
 */
export const PodSignal = v.object({
  v: v.literal(1),
  id: v.string(),
  source: SignalSource,
  time: Time,
  precision: Precision,
  /** For audit signals: `requestReceivedTimestamp`, epoch µs. */
  received: v.optional(Time),
  pod: PodKey,
  /** `user.username` of the audited request or the event's reporting component. */
  actor: v.optional(v.string()),
  facts: v.optional(PodFacts),
  ops: v.array(PodOp),
  event: v.optional(PodEventInfo),
})
export type PodSignal = v.InferOutput<typeof PodSignal>

/** Why a normaliser produced no signal for an input object; counted, never an error. */
export const DropReason = v.picklist([
  'irrelevant-stage',
  'irrelevant-resource',
  'irrelevant-verb',
  'not-about-a-pod',
  'ignored-namespace',
  'no-timestamp',
  'no-change',
  // Per field: the record still gives its signals; see `FieldDropReason`.
  ...FIELD_DROP_REASONS,
])
export type DropReason = v.InferOutput<typeof DropReason>

/**
 * What a normaliser returns: the signals; or why there were none (irrelevant input, counted);
 * or why the input is malformed (`invalid` names the problem, e.g. `audit event: stage: expected
 * string, got 42`), which callers report with the input's file and line and then go on.
 */
export type Normalized =
  | {
      readonly ok: true
      readonly signals: readonly PodSignal[]
      /** Fields left out of these signals (impossible times, numbers, names), by reason. */
      readonly fieldDrops?: FieldDrops
    }
  | { readonly ok: false; readonly dropped: DropReason }
  | { readonly ok: false; readonly invalid: string }

/**
 * Every drop a normaliser's result stands for, as `[reason, count]`: the record's own drop
 * reason (count 1), or the fields its signals left out. Invalid records give none (callers
 * count them as malformed). For the replay summary and the webhook's drop counters.
 */
export function dropCounts(n: Normalized): [DropReason, number][] {
  if (!n.ok) return 'dropped' in n ? [[n.dropped, 1]] : []
  return Object.entries(n.fieldDrops ?? {}).map(([reason, count]) => [
    reason as DropReason,
    count ?? 0,
  ])
}
