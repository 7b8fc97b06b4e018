/*
 * OpenTelemetry semantic-convention attribute names. The Kubernetes ones are still "development"
 * (incubating) upstream, so they are copied here rather than imported from the incubating entry.
 */

/** The pod UID. */
export const ATTR_K8S_POD_UID = 'k8s.pod.uid'
/** The pod name. */
export const ATTR_K8S_POD_NAME = 'k8s.pod.name'
/** The pod namespace. */
export const ATTR_K8S_NAMESPACE_NAME = 'k8s.namespace.name'
/** The node the pod was placed on. */
export const ATTR_K8S_NODE_NAME = 'k8s.node.name'
/** The cluster name (configured: Kubernetes has no cluster name of its own). */
export const ATTR_K8S_CLUSTER_NAME = 'k8s.cluster.name'
/** A container name. */
export const ATTR_K8S_CONTAINER_NAME = 'k8s.container.name'
/** Owner workloads. */
export const ATTR_K8S_REPLICASET_NAME = 'k8s.replicaset.name'
export const ATTR_K8S_DEPLOYMENT_NAME = 'k8s.deployment.name'
export const ATTR_K8S_STATEFULSET_NAME = 'k8s.statefulset.name'
export const ATTR_K8S_DAEMONSET_NAME = 'k8s.daemonset.name'
export const ATTR_K8S_JOB_NAME = 'k8s.job.name'
export const ATTR_K8S_CRONJOB_NAME = 'k8s.cronjob.name'
/** The image name of a container. */
export const ATTR_CONTAINER_IMAGE_NAME = 'container.image.name'
/** Event attributes (the k8s event semconv's `k8s.event.*` names are not settled yet). */
export const ATTR_K8S_EVENT_REASON = 'k8s.event.reason'

/** Ours: the SLO verdict of the action (`success`, `late`, `failed`, `killed`, `timeout`…). */
export const ATTR_LUNETTES_SLO_RESULT = 'lunettes.slo.result'
/** Ours: the SLO threshold in force, ms. */
export const ATTR_LUNETTES_SLO_THRESHOLD_MS = 'lunettes.slo.threshold_ms'
/** Ours: the primary diagnosis code (LIFECYCLE §6). */
export const ATTR_LUNETTES_DIAGNOSIS_CODE = 'lunettes.diagnosis.code'
/** Ours: owner kind and name for owners without a semconv attribute (CatalogSource, Node…). */
export const ATTR_LUNETTES_OWNER_KIND = 'lunettes.owner.kind'
export const ATTR_LUNETTES_OWNER_NAME = 'lunettes.owner.name'
/** Ours: the precision of a span's start and end (`us`, `ms`, `s`). */
export const ATTR_LUNETTES_START_PRECISION = 'lunettes.start.precision'
export const ATTR_LUNETTES_END_PRECISION = 'lunettes.end.precision'
/** Ours: where a span came from (`builtin` or the span config entry's Type). */
export const ATTR_LUNETTES_SPAN_TYPE = 'lunettes.span.type'
/** Ours: who owns a span's time (the span config's SpanOwner: `k8s`, `user`…). */
export const ATTR_LUNETTES_SPAN_OWNER = 'lunettes.span.owner'
