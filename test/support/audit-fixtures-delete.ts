import type { AuditEvent } from '../../protocol/k8s-audit.ts'
import { byStageTime, controller, plusMs } from './audit-fixtures-base.ts'
import { containerNames, terminatedStatus } from './audit-fixtures-containers.ts'
import { kubeletEvent } from './audit-fixtures-events.ts'
import { newPod, type PodState } from './audit-fixtures-pod.ts'
import {
  becomeReady,
  bindAndAccept,
  pullAndStart,
  type ScenarioInput,
  timingsOf,
} from './audit-fixtures-steps.ts'
import {
  createPod,
  deletePod,
  kubeletStatusPatch,
  removeFinalizer,
} from './audit-fixtures-writes.ts'

/** How a synthetic pod's deletion goes (times in ms after the delete request). */
export interface DeleteScenario {
  /** ms after creation at which the owner deletes the pod. */
  readonly deleteAfterMs: number
  /** DeleteOptions grace (terminationGracePeriodSeconds), s. */
  readonly grace: number
  /** When the containers stop, ms after the request; `null`: never (the kubelet went away). */
  readonly stopMs: number | null
  /** How they stop: `Completed` 0 on SIGTERM, or `Error` 137 killed at the end of the grace. */
  readonly exit: 'sigterm' | 'sigkill'
  /** Whether the kubelet sends its final delete (grace 0) once the containers stopped. */
  readonly kubeletConfirms: boolean
  /** Finalizer removals, ms after the request (absent: the finalizer never goes). */
  readonly finalizerRemovals?: Readonly<Record<string, number>>
  /** The pod garbage collector force-deletes the pod, ms after the request. */
  readonly podGcMs?: number
}

function stop(st: PodState, out: AuditEvent[], at: number, started: number, sc: DeleteScenario) {
  const names = containerNames(st)
  const stopped = plusMs(at, sc.stopMs ?? 0)
  const [reason, code] = sc.exit === 'sigkill' ? ['Error', 137] : ['Completed', 0]
  out.push(
    kubeletStatusPatch(st, plusMs(stopped, 100), {
      phase: sc.exit === 'sigkill' ? 'Failed' : 'Succeeded',
      conditions: [
        { type: 'PodReadyToStartContainers', status: 'False' },
        { type: 'Ready', status: 'False', reason: 'PodCompleted' },
        { type: 'ContainersReady', status: 'False', reason: 'PodCompleted' },
      ],
      containers: Object.fromEntries(
        names.map((n) => [n, terminatedStatus(st, n, started, stopped, reason, code)]),
      ),
    }),
  )
  return stopped
}

/**
 * A ready pod (with `input.finalizers`) deleted by its owner with `sc.grace`: Killing events,
 * then as `sc` says: the containers stop on SIGTERM or are killed at the end of the grace, the
 * kubelet confirms (its final delete, grace 0; the object stays while finalizers remain) or goes
 * silent, finalizers are removed by their controller or stay. Sorted by stageTimestamp.
 */
export function podDeletion(input: ScenarioInput, sc: DeleteScenario): AuditEvent[] {
  const st = newPod(input)
  const t = timingsOf(input)
  const out: AuditEvent[] = []
  out.push(createPod(st, st.t0))
  const accept = bindAndAccept(st, out, plusMs(st.t0, t.bindMs), t)
  const started = pullAndStart(st, out, accept, t)
  becomeReady(st, out, started, t)
  const at = plusMs(st.t0, sc.deleteAfterMs)
  out.push(deletePod(st, at, st.creator, sc.grace))
  for (const n of containerNames(st)) {
    const message = `Stopping container ${n}`
    out.push(kubeletEvent(st, plusMs(at, 5), { reason: 'Killing', message, container: n }).audit)
  }
  let last = at
  if (sc.stopMs !== null) {
    const stopped = stop(st, out, at, started, sc)
    last = plusMs(stopped, 300)
    if (sc.kubeletConfirms) out.push(deletePod(st, last, st.kubelet, 0))
  }
  const removals = Object.entries(sc.finalizerRemovals ?? {}).sort((a, b) => a[1] - b[1])
  for (const [f, ms] of removals) {
    out.push(removeFinalizer(st, plusMs(at, ms), controller('finalizer-controller'), f))
  }
  if (sc.podGcMs !== undefined) {
    st.pod.metadata.finalizers = []
    out.push(deletePod(st, plusMs(at, sc.podGcMs), controller('pod-garbage-collector'), 0))
  }
  return byStageTime(out)
}
