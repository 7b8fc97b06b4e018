import { IMAGE_WAITING } from './parse-image.ts'
import { WAITING_CODES } from './parse-kubelet.ts'
import type { ContainerState, PodState } from './pod-state.ts'

/**
 * A container terminated in failure and the kubelet restarted it: its last termination is not a
 * clean exit (`OOMKilled`, `Error` with a non-zero code, …) and its restart count is above zero.
 * Pod status carries this whatever happened to the Events (a restarted failed container always
 * went through the kubelet's restart back-off).
 */
export function restartedAfterFailure(cs: ContainerState | undefined): boolean {
  const t = cs?.lastTermination
  if (!cs || !t || cs.restarts < 1) return false
  return t.exitCode !== undefined ? t.exitCode !== 0 : t.reason !== 'Completed'
}

/**
 * Pod status alone shows trouble a diagnosis should explain, Events or not (they are lossy by
 * design: rate-limited, one hour TTL, dropped under API load): a container waiting for a failure
 * reason, a container restarted after a failure, PodScheduled=False (Unschedulable or gated), or
 * the pod Failed with a reason (admission, eviction).
 */
export function statusTrouble(state: PodState): boolean {
  for (const cs of Object.values(state.containers)) {
    const w = cs.waiting?.reason
    if (w && (w === 'CrashLoopBackOff' || IMAGE_WAITING.has(w) || WAITING_CODES[w])) return true
    if (restartedAfterFailure(cs)) return true
  }
  const scheduled = state.conditions.PodScheduled
  if (scheduled && scheduled.status !== 'true' && scheduled.reason) return true
  return state.phase?.value === 'Failed' && state.phase.reason !== undefined
}
