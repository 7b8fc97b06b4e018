import type { Attributes } from '@opentelemetry/api'
import type { ExtraProperty } from '../../config/span-config.ts'
import type { PodState } from '../lifecycle/pod-state.ts'
import { precisionOf } from './builtin-spans.ts'
import {
  ATTR_K8S_CLUSTER_NAME,
  ATTR_K8S_CONTAINER_NAME,
  ATTR_K8S_CRONJOB_NAME,
  ATTR_K8S_DAEMONSET_NAME,
  ATTR_K8S_DEPLOYMENT_NAME,
  ATTR_K8S_JOB_NAME,
  ATTR_K8S_NAMESPACE_NAME,
  ATTR_K8S_NODE_NAME,
  ATTR_K8S_POD_NAME,
  ATTR_K8S_POD_UID,
  ATTR_K8S_REPLICASET_NAME,
  ATTR_K8S_STATEFULSET_NAME,
  ATTR_LUNETTES_OWNER_KIND,
  ATTR_LUNETTES_OWNER_NAME,
} from './semconv.ts'
import type { PlannedEvent, PlannedTime } from './span-plan.ts'

const OWNER_ATTR: Readonly<Record<string, string>> = {
  ReplicaSet: ATTR_K8S_REPLICASET_NAME,
  Deployment: ATTR_K8S_DEPLOYMENT_NAME,
  StatefulSet: ATTR_K8S_STATEFULSET_NAME,
  DaemonSet: ATTR_K8S_DAEMONSET_NAME,
  Job: ATTR_K8S_JOB_NAME,
  CronJob: ATTR_K8S_CRONJOB_NAME,
}

/** The pod's identity, on every span (so any span finds its pod). */
export function identityAttributes(state: PodState): Attributes {
  return {
    [ATTR_K8S_POD_UID]: state.uid,
    [ATTR_K8S_POD_NAME]: state.name,
    [ATTR_K8S_NAMESPACE_NAME]: state.namespace,
  }
}

/**
 * OTel Kubernetes attributes of the pod: identity, node, cluster and owner. A ReplicaSet owner
 * also names its Deployment when the name ends in the pod's `pod-template-hash`.
 */
export function podAttributes(state: PodState, clusterName: string | undefined): Attributes {
  const attrs: Attributes = identityAttributes(state)
  if (state.facts.nodeName) attrs[ATTR_K8S_NODE_NAME] = state.facts.nodeName
  if (clusterName) attrs[ATTR_K8S_CLUSTER_NAME] = clusterName
  const owner = state.facts.owner
  if (owner) {
    attrs[ATTR_LUNETTES_OWNER_KIND] = owner.kind
    attrs[ATTR_LUNETTES_OWNER_NAME] = owner.name
    const key = OWNER_ATTR[owner.kind]
    if (key) attrs[key] = owner.name
    const hash = state.facts.labels?.['pod-template-hash']
    if (owner.kind === 'ReplicaSet' && hash && owner.name.endsWith(`-${hash}`)) {
      attrs[ATTR_K8S_DEPLOYMENT_NAME] = owner.name.slice(0, -hash.length - 1)
    }
  }
  return attrs
}

/** The pod as a Kubernetes-shaped object, for ExtraProperties paths (`metadata#labels#app`) and NameRef. */
export function podView(state: PodState): Record<string, unknown> {
  const f = state.facts
  return {
    metadata: {
      name: state.name,
      namespace: state.namespace,
      uid: state.uid,
      labels: f.labels ?? {},
      ownerReferences: f.owner ? [f.owner] : [],
      finalizers: f.finalizers ?? [],
    },
    spec: {
      nodeName: f.nodeName,
      schedulerName: f.schedulerName,
      restartPolicy: f.restartPolicy,
      containers: f.containers ?? [],
      initContainers: f.initContainers ?? [],
    },
    status: { phase: state.phase?.value },
  }
}

/** The ExtraProperties that lead to a scalar in the pod, with their values (config order). */
function extraValues(state: PodState, extras: readonly ExtraProperty[]) {
  const out: { extra: ExtraProperty; value: string | number | boolean }[] = []
  const view = podView(state)
  for (const extra of extras) {
    let node: unknown = view
    for (const step of extra.path) {
      node =
        typeof node === 'object' && node !== null
          ? (node as Record<string, unknown>)[step]
          : undefined
    }
    if (typeof node === 'string' || typeof node === 'number' || typeof node === 'boolean') {
      out.push({ extra, value: node })
    }
  }
  return out
}

/** ExtraProperties as attributes `lunettes.extra.<name>`; paths that lead nowhere are skipped. */
export function extraAttributes(state: PodState, extras: readonly ExtraProperty[]): Attributes {
  const attrs: Attributes = {}
  for (const { extra, value } of extraValues(state, extras)) {
    attrs[`lunettes.extra.${extra.key}`] = value
  }
  return attrs
}

/** Longest value of a NeedMetric property on a metric label (a Kubernetes label value's cap). */
export const METRIC_EXTRA_VALUE_CAP = 63

/**
 * The `extra` metric label of the pod's spans: the `NeedMetric` ExtraProperties found in the pod
 * as `name=value`, joined by `,` in config order, values cut to 63 characters; `''` when none.
 */
export function metricExtra(state: PodState, extras: readonly ExtraProperty[]): string {
  const wanted = extras.filter((e) => e.needMetric)
  if (wanted.length === 0) return ''
  return extraValues(state, wanted)
    .map(({ extra, value }) => `${extra.key}=${String(value).slice(0, METRIC_EXTRA_VALUE_CAP)}`)
    .join(',')
}

/** The pod's Kubernetes Events as span events named by their reason, at their first occurrence. */
export function kubeEvents(state: PodState): PlannedEvent[] {
  return state.events.map((ev) => {
    const attributes: Attributes = {
      message: ev.message,
      type: ev.type,
      count: ev.count,
      component: ev.component,
    }
    if (ev.fieldPath) attributes.field_path = ev.fieldPath
    return { name: ev.reason, time: { t: ev.first, p: ev.firstP }, attributes }
  })
}

function at(t: number): PlannedTime {
  return { t, p: precisionOf(t) }
}

/**
 * Failures in the window as span events: a rejected create, container terminations with a
 * non-zero exit code or OOMKilled, an eviction, phase Failed.
 */
export function failureEvents(state: PodState): PlannedEvent[] {
  const out: PlannedEvent[] = []
  const cf = state.createFailure
  if (cf) {
    const attributes: Attributes = { 'http.response.status_code': cf.code }
    if (cf.reason) attributes.reason = cf.reason
    if (cf.message) attributes.message = cf.message
    out.push({ name: 'pod.create.failed', time: at(cf.t), attributes })
  }
  for (const [op, t] of Object.entries(state.ops)) {
    const m = /^container(?:Last)?State:([^:]+):terminated:([^;]*);exitCode:(-?\d+)$/.exec(op)
    if (!m?.[1] || (m[3] === '0' && m[2] !== 'OOMKilled')) continue
    out.push({
      name: 'container.terminated',
      time: at(t),
      attributes: { [ATTR_K8S_CONTAINER_NAME]: m[1], reason: m[2] ?? '', exit_code: Number(m[3]) },
    })
  }
  if (state.evicted) {
    out.push({
      name: 'pod.evicted',
      time: { t: state.evicted.t, p: state.evicted.p },
      attributes: {},
    })
  }
  const failed = state.ms.failed
  if (failed) {
    const attributes: Attributes = state.phase?.reason ? { reason: state.phase.reason } : {}
    out.push({ name: 'pod.failed', time: { t: failed.t, p: failed.p }, attributes })
  }
  return out
}
