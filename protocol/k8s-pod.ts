import * as v from 'valibot'
import { FieldGuard } from './field-guard.ts'
import { present, text } from './k8s-pod-support.ts'
import { isDnsLabel } from './limits.ts'
import type { ContainerSpec, PodFacts } from './pod-signal.ts'

// Every field is nullish: strategic-merge patches write `null` to delete a field, and request
// bodies carry `creationTimestamp: null`. Objects are loose: fields we do not read pass through.
const Str = v.nullish(v.string())

/**
 * An integer as Kubernetes JSON carries it; also a decimal string, because Cloud Logging
 * renders some int64 fields as strings (`restartCount: "0"` in GKE audit entries).
 */
export const IntLike = v.union([
  v.number(),
  v.pipe(v.string(), v.regex(/^-?\d+$/), v.transform(Number)),
])

/** A `status.conditions[]` entry. `type` is the list's merge key, so patches carry it too. */
export const PodCondition = v.looseObject({
  type: v.string(),
  status: Str,
  reason: Str,
  message: Str,
  lastTransitionTime: Str,
  lastProbeTime: Str,
})
export type PodCondition = v.InferOutput<typeof PodCondition>

/** `state.terminated` / `lastState.terminated` of a container status. */
export const ContainerTerminated = v.looseObject({
  exitCode: v.nullish(IntLike),
  signal: v.nullish(IntLike),
  reason: Str,
  message: Str,
  startedAt: Str,
  finishedAt: Str,
  containerID: Str,
})
export type ContainerTerminated = v.InferOutput<typeof ContainerTerminated>

/** `state` / `lastState` of a container status: at most one member is set. */
export const ContainerState = v.looseObject({
  running: v.nullish(v.looseObject({ startedAt: Str })),
  waiting: v.nullish(v.looseObject({ reason: Str, message: Str })),
  terminated: v.nullish(ContainerTerminated),
})
export type ContainerState = v.InferOutput<typeof ContainerState>

/** A `status.containerStatuses[]` / `initContainerStatuses[]` entry (merge key `name`). */
export const ContainerStatus = v.looseObject({
  name: v.string(),
  state: v.nullish(ContainerState),
  lastState: v.nullish(ContainerState),
  ready: v.nullish(v.boolean()),
  started: v.nullish(v.boolean()),
  restartCount: v.nullish(IntLike),
  image: Str,
  imageID: Str,
  containerID: Str,
})
export type ContainerStatus = v.InferOutput<typeof ContainerStatus>

/** `status` of a Pod, or the `status` of a status patch body (then every field is partial). */
export const PodStatus = v.looseObject({
  phase: Str,
  reason: Str,
  message: Str,
  conditions: v.nullish(v.array(PodCondition)),
  containerStatuses: v.nullish(v.array(ContainerStatus)),
  initContainerStatuses: v.nullish(v.array(ContainerStatus)),
  podIP: Str,
  hostIP: Str,
  startTime: Str,
  nominatedNodeName: Str,
})
export type PodStatus = v.InferOutput<typeof PodStatus>

/** A `metadata.ownerReferences[]` entry. */
export const OwnerReference = v.looseObject({
  apiVersion: Str,
  kind: v.string(),
  name: v.string(),
  uid: Str,
  controller: v.nullish(v.boolean()),
})
export type OwnerReference = v.InferOutput<typeof OwnerReference>

/** The `metadata` fields we read. Times are RFC 3339 strings, whole seconds. */
export const PodMetadata = v.looseObject({
  name: Str,
  generateName: Str,
  namespace: Str,
  uid: Str,
  resourceVersion: Str,
  creationTimestamp: Str,
  deletionTimestamp: Str,
  deletionGracePeriodSeconds: v.nullish(IntLike),
  labels: v.nullish(v.record(v.string(), v.string())),
  annotations: v.nullish(v.record(v.string(), v.string())),
  ownerReferences: v.nullish(v.array(OwnerReference)),
  finalizers: v.nullish(v.array(v.string())),
})
export type PodMetadata = v.InferOutput<typeof PodMetadata>

/** A `spec.containers[]` / `spec.initContainers[]` entry: name, image and the postStart hook. */
export const Container = v.looseObject({
  name: v.string(),
  image: Str,
  restartPolicy: Str,
  lifecycle: v.nullish(v.looseObject({ postStart: v.nullish(v.unknown()) })),
})
export type Container = v.InferOutput<typeof Container>

/** A `spec.volumes[]` entry: `name` plus exactly one source key (`secret`, `configMap`, …). */
export const Volume = v.looseObject({ name: v.string() })
export type Volume = v.InferOutput<typeof Volume>

/** The `spec` fields we read. */
export const PodSpec = v.looseObject({
  containers: v.nullish(v.array(Container)),
  initContainers: v.nullish(v.array(Container)),
  volumes: v.nullish(v.array(Volume)),
  nodeName: Str,
  schedulerName: Str,
  restartPolicy: Str,
  readinessGates: v.nullish(v.array(v.looseObject({ conditionType: Str }))),
})
export type PodSpec = v.InferOutput<typeof PodSpec>

/** The subset of a core/v1 Pod that the normalisers read (loose: other fields pass). */
export const Pod = v.looseObject({
  apiVersion: Str,
  kind: Str,
  metadata: v.nullish(PodMetadata),
  spec: v.nullish(PodSpec),
  status: v.nullish(PodStatus),
})
export type Pod = v.InferOutput<typeof Pod>

/** Annotation the kubelet puts on the mirror pod of a static pod. */
export const MIRROR_ANNOTATION = 'kubernetes.io/config.mirror'
/** Annotation with the static pod's config hash: the UID its kubelet Events are filed under. */
export const CONFIG_HASH_ANNOTATION = 'kubernetes.io/config.hash'

/** The controller ownerReference, else the first one; `null` when the pod has none. */
export function podOwner(pod: Pod): { kind: string; name: string } | null {
  const refs = pod.metadata?.ownerReferences ?? []
  const ref = refs.find((r) => r.controller === true) ?? refs[0]
  return ref ? { kind: ref.kind, name: ref.name } : null
}

/** The containers of a spec list; entries whose name is not a DNS-1123 label are left out. */
function containerSpecs(
  list: readonly Container[] | null | undefined,
  guard: FieldGuard,
): ContainerSpec[] {
  return (list ?? [])
    .filter((c) => guard.containerName(c.name))
    .map((c) => ({
      name: c.name,
      image: c.image ?? '',
      ...(c.restartPolicy ? { restartPolicy: c.restartPolicy } : {}),
    }))
}

/** The source kind of each volume in spec order: its first key other than `name`. */
export function volumeKinds(pod: Pod): string[] {
  return (pod.spec?.volumes ?? []).map(
    (vol) => Object.keys(vol).find((k) => k !== 'name') ?? 'unknown',
  )
}

/**
 * Extracts what a signal carries about the pod object itself (spec and metadata). Only fields
 * the object shows are set: a Pod without `spec` gives no container list. `staticPod` is true
 * for a mirror pod (`kubernetes.io/config.mirror` annotation, or a Node owner); `configHash`
 * is its `kubernetes.io/config.hash` annotation. Impossible values (a creation time outside
 * 1970–9999, labels or container names Kubernetes would refuse) are left out, counted on `guard`.
 */
export function podFacts(pod: Pod, guard: FieldGuard = new FieldGuard()): PodFacts {
  const meta = pod.metadata
  const spec = pod.spec
  const annotations = meta?.annotations ?? {}
  const owner = meta ? podOwner(pod) : undefined
  const mirror = MIRROR_ANNOTATION in annotations || owner?.kind === 'Node'
  const hooks = [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])]
    .filter((c) => c.lifecycle?.postStart != null && isDnsLabel(c.name))
    .map((c) => c.name)
  return present<PodFacts>({
    creationTimestamp: guard.time(meta?.creationTimestamp)?.time,
    owner,
    labels: meta?.labels ? guard.labels(meta.labels) : undefined,
    nodeName: text(spec?.nodeName),
    schedulerName: text(spec?.schedulerName),
    restartPolicy: text(spec?.restartPolicy),
    containers: spec ? containerSpecs(spec.containers, guard) : undefined,
    initContainers: spec?.initContainers ? containerSpecs(spec.initContainers, guard) : undefined,
    volumeKinds: spec ? volumeKinds(pod) : undefined,
    postStartHooks: spec ? hooks : undefined,
    readinessGates: spec ? (spec.readinessGates?.length ?? 0) : undefined,
    staticPod: meta ? mirror : undefined,
    configHash: mirror ? text(annotations[CONFIG_HASH_ANNOTATION]) : undefined,
    finalizers: meta ? (meta.finalizers ?? []) : undefined,
    nominatedNodeName: text(pod.status?.nominatedNodeName),
  })
}

/** `spec.schedulerName`, defaulting as the API server does. */
export function schedulerOf(pod: Pod | undefined): string {
  return text(pod?.spec?.schedulerName) ?? 'default-scheduler'
}
