import type { AuditEvent } from '../../protocol/k8s-audit.ts'
import { plusMs } from './audit-fixtures-base.ts'
import {
  containerNames,
  imageOf,
  runningStatus,
  terminatedStatus,
  unready,
  waitingStatus,
} from './audit-fixtures-containers.ts'
import { kubeletEvent, schedulerEvent } from './audit-fixtures-events.ts'
import type { PodInput, PodState } from './audit-fixtures-pod.ts'
import { bindPod, deletePod, kubeletStatusPatch } from './audit-fixtures-writes.ts'

/** Delays of a pod's start, in ms (defaults: a healthy small cluster). */
export interface Timings {
  /** create → binding. */
  readonly bindMs: number
  /** binding → the kubelet's first status patch. */
  readonly acceptMs: number
  /** image pull duration (per container). */
  readonly pullMs: number
  /** container started → Ready (readiness probe). */
  readonly readyMs: number
}

/** Defaults of `Timings`. */
export const DEFAULT_TIMINGS: Timings = { bindMs: 35, acceptMs: 120, pullMs: 2_011, readyMs: 3_000 }

/** A scenario's pod and options. */
export interface ScenarioInput extends PodInput {
  readonly timings?: Partial<Timings>
  /** ms after creation at which the owner deletes the pod (grace 30): stop, final delete. */
  readonly deleteAfterMs?: number
}

/** A FailedScheduling message as kube-scheduler 1.30 words it. */
export const UNSCHEDULABLE =
  '0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.'

/** A duration as Go's `time.Duration.String()` prints it: `2.011s`, `1m14.9s`. */
export function goDuration(ms: number): string {
  const minutes = Math.floor(ms / 60_000)
  const seconds = Number(((ms % 60_000) / 1000).toFixed(3))
  return minutes > 0 ? `${minutes}m${seconds}s` : `${seconds}s`
}

/** The scenario timings with defaults. */
export function timingsOf(input: ScenarioInput): Timings {
  return { ...DEFAULT_TIMINGS, ...input.timings }
}

/** Binding (+ Scheduled event) and the kubelet's first sync; returns the accept time. */
export function bindAndAccept(st: PodState, out: AuditEvent[], at: number, t: Timings): number {
  out.push(bindPod(st, at))
  const note = `Successfully assigned ${st.input.namespace}/${st.input.name} to ${st.node}`
  out.push(schedulerEvent(st, plusMs(at, 1), 'Scheduled', note).audit)
  const accept = plusMs(at, t.acceptMs)
  const names = containerNames(st)
  out.push(
    kubeletStatusPatch(st, accept, {
      accept: true,
      conditions: [
        { type: 'PodReadyToStartContainers', status: 'False' },
        { type: 'Initialized', status: 'True' },
        { type: 'Ready', status: 'False', reason: 'ContainersNotReady', message: unready(names) },
        {
          type: 'ContainersReady',
          status: 'False',
          reason: 'ContainersNotReady',
          message: unready(names),
        },
      ],
      containers: Object.fromEntries(
        names.map((n) => [n, waitingStatus(st, n, 'ContainerCreating')]),
      ),
    }),
  )
  return accept
}

/**
 * Pulls, creates and starts every container (events + the Running patch); returns the start
 * time. `retry`: the Pulling event was already emitted (a back-off retry bumped it), pull now.
 */
export function pullAndStart(
  st: PodState,
  out: AuditEvent[],
  from: number,
  t: Timings,
  retry = false,
): number {
  let at = retry ? from : plusMs(from, 900)
  for (const name of containerNames(st)) {
    const image = imageOf(st, name)
    if (!retry) {
      out.push(
        kubeletEvent(st, at, {
          reason: 'Pulling',
          message: `Pulling image "${image}"`,
          container: name,
        }).audit,
      )
    }
    at = plusMs(at, t.pullMs)
    const took = goDuration(t.pullMs)
    const message = `Successfully pulled image "${image}" in ${took} (${took} including waiting). Image size: 70520314 bytes.`
    out.push(kubeletEvent(st, at, { reason: 'Pulled', message, container: name }).audit)
    out.push(
      kubeletEvent(st, plusMs(at, 60), {
        reason: 'Created',
        message: `Created container ${name}`,
        container: name,
      }).audit,
    )
    at = plusMs(at, 110)
    out.push(
      kubeletEvent(st, at, {
        reason: 'Started',
        message: `Started container ${name}`,
        container: name,
      }).audit,
    )
  }
  const names = containerNames(st)
  out.push(
    kubeletStatusPatch(st, plusMs(at, 200), {
      phase: 'Running',
      podIP: true,
      conditions: [{ type: 'PodReadyToStartContainers', status: 'True' }],
      containers: Object.fromEntries(names.map((n) => [n, runningStatus(st, n, at, false)])),
    }),
  )
  return at
}

/** The readiness probe passes: Ready and ContainersReady True; returns the time. */
export function becomeReady(st: PodState, out: AuditEvent[], started: number, t: Timings): number {
  const at = plusMs(started, t.readyMs)
  out.push(
    kubeletStatusPatch(st, at, {
      conditions: [
        { type: 'Ready', status: 'True' },
        { type: 'ContainersReady', status: 'True' },
      ],
      containers: Object.fromEntries(
        containerNames(st).map((n) => [n, runningStatus(st, n, started, true)]),
      ),
    }),
  )
  return at
}

/** Killing, the kubelet's last status patch and its final delete (grace 0). */
export function stopAndRemove(st: PodState, out: AuditEvent[], at: number, started: number): void {
  const names = containerNames(st)
  for (const n of names) {
    out.push(
      kubeletEvent(st, plusMs(at, 5), {
        reason: 'Killing',
        message: `Stopping container ${n}`,
        container: n,
      }).audit,
    )
  }
  const stopped = plusMs(at, 1_400)
  out.push(
    kubeletStatusPatch(st, plusMs(stopped, 100), {
      phase: 'Succeeded',
      conditions: [
        { type: 'PodReadyToStartContainers', status: 'False' },
        { type: 'Ready', status: 'False', reason: 'PodCompleted' },
        { type: 'ContainersReady', status: 'False', reason: 'PodCompleted' },
      ],
      containers: Object.fromEntries(
        names.map((n) => [n, terminatedStatus(st, n, started, stopped, 'Completed', 0)]),
      ),
    }),
  )
  out.push(deletePod(st, plusMs(stopped, 300), st.kubelet, 0))
}
