/**
 * The scheduling and admission family of the diagnosis catalogue (phases `schedule`, `admission`),
 * spread into `DIAGNOSIS_CODES` (protocol/diagnosis-codes.ts), which checks each entry's shape.
 */
export const SCHEDULE_CODES = {
  'Unschedulable.InsufficientResources': {
    owner: 'platform',
    phase: 'schedule',
    meaning:
      'FailedScheduling: `Insufficient <res>`, `Too many pods`, no free host ports, attach limit (detail: resources)',
    upstream: 'FailedScheduling',
  },
  'Unschedulable.TaintNotTolerated': {
    owner: 'user',
    phase: 'schedule',
    meaning:
      "FailedScheduling: nodes `had taint {k: v}, that the pod didn't tolerate` / `had untolerated taint {k: v}` (detail: the taint keys)",
    upstream: null,
  },
  'Unschedulable.AffinityMismatch': {
    owner: 'user',
    phase: 'schedule',
    meaning: 'FailedScheduling: node affinity/selector, pod (anti-)affinity, topology spread',
    upstream: null,
  },
  'Unschedulable.VolumeBinding': {
    owner: 'user',
    phase: 'schedule',
    meaning:
      'FailedScheduling: unbound immediate PersistentVolumeClaims, volume node affinity conflict, missing claim, no volume zone',
    upstream: null,
  },
  'Unschedulable.NoNodes': {
    owner: 'platform',
    phase: 'schedule',
    meaning:
      '`no nodes available to schedule pods`, `0/0 nodes`, or only unschedulable / not-ready / unreachable / under-pressure nodes',
    upstream: null,
  },
  'Unschedulable.Other': {
    owner: 'unknown',
    phase: 'schedule',
    meaning: 'any other FailedScheduling, e.g. `binding rejected` (detail: the message)',
    upstream: null,
  },
  SchedulingGated: {
    owner: 'user',
    phase: 'schedule',
    meaning: 'PodScheduled=False with reason SchedulingGated (non-empty `spec.schedulingGates`)',
    upstream: null,
  },
  Preempted: {
    owner: 'platform',
    phase: 'schedule',
    meaning:
      '`Preempted` event (scheduler) or `Preempting` (kubelet, critical pod), DisruptionTarget reason PreemptionByScheduler',
    upstream: null,
  },
  SchedulingSlow: {
    owner: 'platform',
    phase: 'schedule',
    meaning: 'no scheduling failure reported, but the schedule phase ran over its budget',
    upstream: 'ScheduleDelay',
  },
  AdmissionRejected: {
    owner: 'user',
    phase: 'admission',
    meaning:
      'the pod create request failed (audit 4xx): `exceeded quota`, LimitRange, `admission webhook "x" denied the request`, PodSecurity',
    upstream: 'QuotaWebhookDenied, api_failed',
  },
  KubeletRejected: {
    owner: 'platform',
    phase: 'admission',
    meaning:
      'the kubelet rejected the pod at admission: phase Failed with `OutOfcpu`, `OutOfmemory`, `OutOfpods`, `NodeAffinity`, `UnexpectedAdmissionError`, …',
    upstream: null,
  },
  KubeletSlow: {
    owner: 'platform',
    phase: 'admission',
    meaning: 'bound to a node, but no kubelet activity for longer than the nodeSetup budget',
    upstream: 'KubeletDelay',
  },
} as const
