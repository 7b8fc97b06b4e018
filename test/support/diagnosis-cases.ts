import type { DiagnoseContext } from '../../actors/lifecycle/diagnose.ts'
import type { PodState } from '../../actors/lifecycle/pod-state.ts'
import type { DiagnosisCode } from '../../protocol/diagnosis-codes.ts'
import {
  at,
  bind,
  cond,
  ctx,
  ev,
  mark,
  missed,
  pod,
  ready,
  runningPod,
  started,
} from './diagnosis-state.ts'

/** One table row: a synthetic (hand-written, realistic-wording) pod and the diagnosis it must get. */
export interface DiagnosisCase {
  name: string
  code: DiagnosisCode
  build: () => PodState
  ctx: DiagnoseContext
  /** Codes that must also be in `findings`. */
  findings?: DiagnosisCode[]
  summary?: RegExp
  detail?: RegExp
}

/** A pod that keeps failing to schedule with `message` from 0 s to 470 s; violated at 480 s. */
function unschedulable(message: string): () => PodState {
  return () =>
    missed(ev(pod(), { reason: 'FailedScheduling', message, s: 0, lastS: 470, count: 12 }))
}

const violated = ctx('violated', 480)

const SCHEDULING: [string, DiagnosisCode, string, RegExp?, DiagnosisCode[]?][] = [
  [
    'insufficient cpu (legacy)',
    'Unschedulable.InsufficientResources',
    '0/3 nodes are available: 3 Insufficient cpu.',
    /3 Insufficient cpu — no node has enough free cpu/,
  ],
  [
    'insufficient resources with preemption suffix (1.24+)',
    'Unschedulable.InsufficientResources',
    '0/5 nodes are available: 2 Insufficient memory, 3 Insufficient cpu. preemption: 0/5 nodes are available: 5 No preemption victims found for incoming pod..',
    /free memory, cpu/,
  ],
  [
    'too many pods',
    'Unschedulable.InsufficientResources',
    '0/2 nodes are available: 2 Too many pods.',
    /pods/,
  ],
  [
    'mixed causes: the largest count wins',
    'Unschedulable.InsufficientResources',
    "0/6 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 2 node(s) had taint {node.kubernetes.io/not-ready: }, that the pod didn't tolerate, 3 Insufficient cpu.",
    /cpu/,
    ['Unschedulable.NoNodes', 'Unschedulable.AffinityMismatch'],
  ],
  [
    'taint (1.18–1.24 wording)',
    'Unschedulable.TaintNotTolerated',
    "0/3 nodes are available: 3 node(s) had taint {node-role.kubernetes.io/master: }, that the pod didn't tolerate.",
    /does not tolerate taint node-role\.kubernetes\.io\/master/,
  ],
  [
    'untolerated taint (1.25+ wording)',
    'Unschedulable.TaintNotTolerated',
    '0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 node(s) had untolerated taint {dedicated: gpu}. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling..',
    /taint node-role\.kubernetes\.io\/control-plane, dedicated/,
  ],
  [
    'taints without keys (≤1.17 wording)',
    'Unschedulable.TaintNotTolerated',
    "0/3 nodes are available: 3 node(s) had taints that the pod didn't tolerate.",
  ],
  [
    'node affinity/selector',
    'Unschedulable.AffinityMismatch',
    "0/4 nodes are available: 4 node(s) didn't match Pod's node affinity/selector. preemption: 0/4 nodes are available: 4 Preemption is not helpful for scheduling..",
    /node affinity\/selector/,
  ],
  [
    'node selector (legacy)',
    'Unschedulable.AffinityMismatch',
    "0/3 nodes are available: 3 node(s) didn't match node selector.",
  ],
  [
    'pod anti-affinity',
    'Unschedulable.AffinityMismatch',
    "0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules.",
    /pod anti-affinity/,
  ],
  [
    'topology spread, with unschedulable nodes',
    'Unschedulable.AffinityMismatch',
    "0/5 nodes are available: 1 node(s) were unschedulable, 4 node(s) didn't match pod topology spread constraints.",
    /topology spread/,
    ['Unschedulable.NoNodes'],
  ],
  [
    'unbound immediate PVCs',
    'Unschedulable.VolumeBinding',
    '0/6 nodes are available: 6 pod has unbound immediate PersistentVolumeClaims.',
  ],
  [
    'volume node affinity conflict (1.24+)',
    'Unschedulable.VolumeBinding',
    '0/3 nodes are available: 3 node(s) had volume node affinity conflict. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling..',
  ],
  ['missing claim', 'Unschedulable.VolumeBinding', 'persistentvolumeclaim "data-db-0" not found'],
  [
    'no nodes',
    'Unschedulable.NoNodes',
    'no nodes available to schedule pods',
    /no ready, schedulable node/,
  ],
  [
    'only not-ready nodes',
    'Unschedulable.NoNodes',
    "0/3 nodes are available: 3 node(s) had taint {node.kubernetes.io/not-ready: }, that the pod didn't tolerate.",
  ],
  [
    'cordoned nodes',
    'Unschedulable.NoNodes',
    '0/2 nodes are available: 2 node(s) were unschedulable.',
  ],
  [
    'unreachable nodes (1.25+)',
    'Unschedulable.NoNodes',
    '0/3 nodes are available: 3 node(s) had untolerated taint {node.kubernetes.io/unreachable: }. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling..',
  ],
  [
    'binding rejected',
    'Unschedulable.Other',
    'binding rejected: running Bind plugin "DefaultBinder": Operation cannot be fulfilled on pods/binding "web-1": pod web-1 is already assigned to node "node-a"',
  ],
]

/** Schedule, admission and node-side cases. */
export const SCHEDULE_CASES: DiagnosisCase[] = [
  ...SCHEDULING.map(([name, code, message, summary, findings]) => ({
    name,
    code,
    build: unschedulable(message),
    ctx: violated,
    ...(summary ? { summary } : {}),
    ...(findings ? { findings } : {}),
  })),
  {
    name: 'PodScheduled condition message only (watch input, no events)',
    code: 'Unschedulable.TaintNotTolerated',
    build: () =>
      missed(
        cond(
          pod(),
          'PodScheduled',
          'false',
          0,
          'Unschedulable',
          '0/3 nodes are available: 3 node(s) had untolerated taint {team: infra}.',
        ),
      ),
    ctx: violated,
    summary: /taint team/,
  },
  {
    name: 'scheduling gates',
    code: 'SchedulingGated',
    build: () =>
      missed(
        cond(
          pod(),
          'PodScheduled',
          'false',
          0,
          'SchedulingGated',
          'Scheduling is blocked due to non-empty scheduling gates',
        ),
      ),
    ctx: violated,
    summary: /gated/,
  },
  {
    name: 'preempted by the scheduler, then deleted',
    code: 'Preempted',
    build: () => {
      const s = runningPod()
      mark(s, 'deleteRequested', 100)
      return ev(s, {
        reason: 'Preempted',
        type: 'Normal',
        component: 'default-scheduler',
        message: 'Preempted by pod 6f1c2a9e-5b1d-4c55-9d0e-2f8a1c3b4d5e on node node-a',
        s: 100.2,
      })
    },
    ctx: ctx('killed', 200),
  },
  {
    name: 'DisruptionTarget PreemptionByScheduler (1.26+)',
    code: 'Preempted',
    build: () => {
      const s = mark(runningPod(), 'deleteRequested', 100)
      return cond(
        s,
        'DisruptionTarget',
        'true',
        100,
        'PreemptionByScheduler',
        'Kubernetes Scheduler: preemption',
      )
    },
    ctx: ctx('killed', 200),
  },
  {
    name: 'scheduled late without failures',
    code: 'SchedulingSlow',
    build: () => {
      const s = bind(pod(), 200)
      mark(s, 'sandboxReady', 201)
      return missed(ready(started(s, 'app', 202), 490))
    },
    ctx: ctx('late', 600),
    summary: /scheduling took 3m20s \(budget 30s\)/,
  },
  {
    name: 'resource quota exceeded',
    code: 'AdmissionRejected',
    build: () => {
      const s = pod()
      s.createFailure = {
        code: 403,
        reason: 'Forbidden',
        message:
          'pods "web-1" is forbidden: exceeded quota: compute, requested: limits.cpu=2, used: limits.cpu=8, limited: limits.cpu=8',
        t: at(0),
      }
      return s
    },
    ctx: ctx('failed', 1),
    summary: /HTTP 403\): resource quota exceeded/,
  },
  {
    name: 'admission webhook denied',
    code: 'AdmissionRejected',
    build: () => {
      const s = pod()
      s.createFailure = {
        code: 400,
        message:
          'admission webhook "validate.kyverno.svc-fail" denied the request: policy Pod/shop/web-1 for resource violation: require-requests-limits',
        t: at(0),
      }
      return s
    },
    ctx: ctx('failed', 1),
    summary: /admission webhook denied/,
  },
  {
    name: 'API server failed the create (5xx): not blamed on the user',
    code: 'Unknown',
    build: () => {
      const s = pod()
      s.createFailure = {
        code: 500,
        reason: 'InternalError',
        message: 'Internal error occurred: etcdserver: request timed out',
        t: at(0),
      }
      return s
    },
    ctx: ctx('failed', 1),
    summary: /HTTP 500\): the API server failed the request itself — Internal error/,
  },
]
