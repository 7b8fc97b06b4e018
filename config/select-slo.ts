import type { SloConfig, SloRuleMatch } from './slo-config.ts'

/** The facts about a pod that SLO selection looks at. */
export interface SloPodFacts {
  readonly namespace: string
  readonly labels?: Readonly<Record<string, string>> | undefined
  /** Kind of the controller owner (`ReplicaSet`, `Job`, …); `null`/absent for bare pods. */
  readonly ownerKind?: string | null | undefined
  /** Whether the pod belongs to a Job (run-to-completion). */
  readonly job: boolean
}

/**
 * Where the create threshold came from: `rule[<index>]` (position in `rules`),
 * `UserAppConfigMap`, `UserOnlineConfigMap`, `default` or `default-job`; `UserSLAConfigMap` when the
 * namespace floor raised the threshold.
 */
export type ThresholdSource =
  | `rule[${number}]`
  | 'UserAppConfigMap'
  | 'UserOnlineConfigMap'
  | 'UserSLAConfigMap'
  | 'default'
  | 'default-job'

/** The thresholds that apply to one pod, in ms. */
export interface SloThresholds {
  /** Create (delivery) SLO. */
  readonly createMs: number
  /** Delete SLO. */
  readonly deleteMs: number
  /** Give-up time, from the same start as the SLO it guards (created / delete requested). */
  readonly giveUpMs: number
  /** Where `createMs` came from. */
  readonly source: ThresholdSource
}

/** Whether `match` selects the pod: every present field must hold; `{}` matches every pod. */
export function ruleMatches(match: SloRuleMatch, pod: SloPodFacts): boolean {
  if (match.namespace !== undefined && match.namespace !== pod.namespace) return false
  if (match.namespaceRegex !== undefined && !match.namespaceRegex.test(pod.namespace)) return false
  if (match.ownerKind !== undefined && match.ownerKind !== (pod.ownerKind ?? undefined)) {
    return false
  }
  if (match.job !== undefined && match.job !== pod.job) return false
  if (match.labels !== undefined) {
    const labels = pod.labels ?? {}
    for (const [name, value] of Object.entries(match.labels)) {
      if (!Object.hasOwn(labels, name) || labels[name] !== value) return false
    }
  }
  return true
}

/**
 * Picks the SLO thresholds for a pod.
 *
 * - create: the first matching rule that has `create` → `UserAppConfigMap[app]` (the pod's `app`
 *   label, else `app.kubernetes.io/name`) → `UserOnlineConfigMap[namespace]` → `defaults.createJob`
 *   for jobs, else `defaults.create`; then raised to `UserSLAConfigMap[namespace]` if below it.
 * - delete: the first matching rule that has `delete` → `defaults.delete`.
 * - give-up: `defaults.giveUp`, raised to the larger of the two thresholds if it is shorter, so a
 *   pod is never given up before its SLO deadline.
 */
export function selectThresholds(config: SloConfig, pod: SloPodFacts): SloThresholds {
  let create: { ms: number; source: ThresholdSource } | null = null
  let deleteMs: number | null = null
  for (const rule of config.rules) {
    if (create !== null && deleteMs !== null) break
    if (
      (rule.createMs === null || create !== null) &&
      (rule.deleteMs === null || deleteMs !== null)
    ) {
      continue
    }
    if (!ruleMatches(rule.match, pod)) continue
    if (create === null && rule.createMs !== null) {
      create = { ms: rule.createMs, source: `rule[${rule.index}]` }
    }
    if (deleteMs === null && rule.deleteMs !== null) deleteMs = rule.deleteMs
  }
  const defaults = config.defaultsMs
  if (create === null) {
    const app = appOf(pod)
    const perApp = app === null ? undefined : config.userAppConfigMap.get(app)
    const perNamespace = config.userOnlineConfigMap.get(pod.namespace)
    if (perApp !== undefined) create = { ms: perApp, source: 'UserAppConfigMap' }
    else if (perNamespace !== undefined)
      create = { ms: perNamespace, source: 'UserOnlineConfigMap' }
    else if (pod.job) create = { ms: defaults.createJob, source: 'default-job' }
    else create = { ms: defaults.create, source: 'default' }
  }
  const floor = config.userSlaConfigMap.get(pod.namespace)
  if (floor !== undefined && create.ms < floor) create = { ms: floor, source: 'UserSLAConfigMap' }
  const del = deleteMs ?? defaults.delete
  return {
    createMs: create.ms,
    deleteMs: del,
    giveUpMs: Math.max(defaults.giveUp, create.ms, del),
    source: create.source,
  }
}

/** The pod's app for `UserAppConfigMap`: label `app`, else `app.kubernetes.io/name`, else null. */
export function appOf(pod: SloPodFacts): string | null {
  const labels = pod.labels ?? {}
  if (Object.hasOwn(labels, 'app')) return labels.app ?? null
  if (Object.hasOwn(labels, 'app.kubernetes.io/name'))
    return labels['app.kubernetes.io/name'] ?? null
  return null
}

/**
 * Whether the pod's SLOs are judged at all: with `ShouldIgnoreSinglePod`, a pod without a
 * controller owner (a bare pod; `ownerKind` null or absent) is not.
 */
export function isJudged(config: SloConfig, pod: Pick<SloPodFacts, 'ownerKind'>): boolean {
  return !config.shouldIgnoreSinglePod || (pod.ownerKind ?? null) !== null
}

/** Whether signals of `namespace` are dropped at normalisation (`IgnoredNamespaceForAudit`). */
export function isIgnoredNamespace(config: SloConfig, namespace: string): boolean {
  return config.ignoredNamespaceForAudit.has(namespace)
}

/**
 * Whether a delete before readiness in `namespace` is `killed` without diagnosis
 * (`IgnoreDeleteReasonNamespace`).
 */
export function ignoresDeleteReason(config: SloConfig, namespace: string): boolean {
  return config.ignoreDeleteReasonNamespace.has(namespace)
}
