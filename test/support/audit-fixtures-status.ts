import type { AuditEvent } from '../../protocol/k8s-audit.ts'
import { byStageTime, plusMs } from './audit-fixtures-base.ts'
import { containerNames, terminatedStatus, waitingStatus } from './audit-fixtures-containers.ts'
import { kubeletEvent } from './audit-fixtures-events.ts'
import { newPod, type PodState } from './audit-fixtures-pod.ts'
import {
  bindAndAccept,
  pullAndStart,
  type ScenarioInput,
  timingsOf,
} from './audit-fixtures-steps.ts'
import { createPod, kubeletStatusPatch } from './audit-fixtures-writes.ts'

/**
 * Audit trails of pods whose trouble both the kubelet's Events and the Pod status show (synthetic
 * pods, real kubelet wording). With every `events` record removed, the status patches alone must
 * still give the same code (the lossy-Events test).
 */

type Out = AuditEvent[]

function warn(st: PodState, out: Out, at: number, reason: string, message: string, c?: string) {
  out.push(
    kubeletEvent(st, at, { reason, message, type: 'Warning', ...(c ? { container: c } : {}) })
      .audit,
  )
}

function start(input: ScenarioInput): { st: PodState; out: Out; accept: number } {
  const st = newPod(input)
  const out: Out = [createPod(st, st.t0)]
  const accept = bindAndAccept(st, out, plusMs(st.t0, timingsOf(input).bindMs), timingsOf(input))
  return { st, out, accept }
}

/** A container that waits with `reason` (ErrImagePull, CreateContainerConfigError, …) and its Failed event. */
export function waitingFailure(
  input: ScenarioInput,
  reason: string,
  message: string,
  eventMessage: string,
): AuditEvent[] {
  const { st, out, accept } = start(input)
  const [name = 'app'] = containerNames(st)
  const at = plusMs(accept, 1_200)
  warn(st, out, at, 'Failed', eventMessage, name)
  out.push(
    kubeletStatusPatch(st, plusMs(at, 100), {
      containers: { [name]: waitingStatus(st, name, reason, message) },
    }),
  )
  return byStageTime(out)
}

/**
 * Started, then terminated with `reason`/`exitCode` and restarted (`restarts` times): status
 * shows lastState terminated, the restart count and CrashLoopBackOff; the kubelet's BackOff event
 * says the same.
 */
export function crashedAndRestarted(
  input: ScenarioInput,
  reason: string,
  exitCode: number,
  restarts = 2,
): AuditEvent[] {
  const { st, out, accept } = start(input)
  const t = timingsOf(input)
  const started = pullAndStart(st, out, accept, t)
  const [name = 'app'] = containerNames(st)
  const died = plusMs(started, 4_000)
  warn(st, out, plusMs(died, 50), 'BackOff', 'Back-off restarting failed container', name)
  const last = terminatedStatus(st, name, started, died, reason, exitCode).state
  out.push(
    kubeletStatusPatch(st, plusMs(died, 100), {
      containers: {
        [name]: {
          ...waitingStatus(
            st,
            name,
            'CrashLoopBackOff',
            `back-off 20s restarting failed container=${name}`,
          ),
          lastState: last,
          restartCount: restarts,
        },
      },
    }),
  )
  return byStageTime(out)
}

/** The kubelet rejects or evicts the pod: phase Failed with `reason` and `message`, and its Event. */
export function podFailedWith(input: ScenarioInput, reason: string, message: string): AuditEvent[] {
  const { st, out, accept } = start(input)
  const t = timingsOf(input)
  const started = reason === 'Evicted' ? pullAndStart(st, out, accept, t) : accept
  const at = plusMs(started, 2_000)
  warn(st, out, at, reason, message)
  const names = containerNames(st)
  const patch = kubeletStatusPatch(st, plusMs(at, 100), {
    phase: 'Failed',
    containers: Object.fromEntries(
      names.map((n) => [
        n,
        reason === 'Evicted'
          ? terminatedStatus(st, n, started, at, 'Error', 137)
          : waitingStatus(st, n, 'ContainerCreating'),
      ]),
    ),
  })
  // The fixture writer knows no pod-level reason: add it to the patch and the stored object.
  const req = patch.requestObject as { status: Record<string, unknown> }
  req.status.reason = reason
  req.status.message = message
  const res = patch.responseObject as { status: Record<string, unknown> }
  res.status.reason = reason
  res.status.message = message
  out.push(patch)
  return byStageTime(out)
}
