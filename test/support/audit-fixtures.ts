import type { AuditEvent } from '../../protocol/k8s-audit.ts'
import { ADMIN, byStageTime, controller, plusMs, type Requester } from './audit-fixtures-base.ts'
import {
  containerNames,
  imageOf,
  terminatedStatus,
  waitingStatus,
} from './audit-fixtures-containers.ts'
import {
  bumpKubeletEvent,
  bumpSchedulerEvent,
  kubeletEvent,
  schedulerEvent,
} from './audit-fixtures-events.ts'
import { newPod } from './audit-fixtures-pod.ts'
import {
  becomeReady,
  bindAndAccept,
  pullAndStart,
  type ScenarioInput,
  stopAndRemove,
  timingsOf,
  UNSCHEDULABLE,
} from './audit-fixtures-steps.ts'
import {
  createPod,
  deletePod,
  evictPod,
  kubeletStatusPatch,
  rejectCreate,
  removeFinalizer,
  unschedulablePatch,
} from './audit-fixtures-writes.ts'

/**
 * A healthy pod's audit trail: create (ReplicaSet controller) → binding + Scheduled →
 * kubelet accepts → Pulling/Pulled/Created/Started → Running (podIP) → Ready; with
 * `deleteAfterMs`, then graceful delete by the owner (grace 30) → Killing → stopped → the
 * kubelet's final delete (grace 0). Sorted by stageTimestamp.
 */
export function podLifecycle(input: ScenarioInput): AuditEvent[] {
  const st = newPod(input)
  const t = timingsOf(input)
  const out = [createPod(st, st.t0)]
  const accept = bindAndAccept(st, out, plusMs(st.t0, t.bindMs), t)
  const started = pullAndStart(st, out, accept, t)
  becomeReady(st, out, started, t)
  if (input.deleteAfterMs !== undefined) {
    const at = plusMs(st.t0, input.deleteAfterMs)
    out.push(deletePod(st, at, st.creator, 30))
    stopAndRemove(st, out, at, started)
  }
  return byStageTime(out)
}

/** The create is refused by the ResourceQuota admission plugin: 403 `exceeded quota: …`. */
export function rejectedByQuota(input: ScenarioInput, quota = 'compute-resources'): AuditEvent[] {
  const st = newPod(input)
  const message = `pods "${input.name}" is forbidden: exceeded quota: ${quota}, requested: limits.cpu=500m, used: limits.cpu=4, limited: limits.cpu=4`
  return [rejectCreate(st, st.t0, 403, message)]
}

/** FailedScheduling (series bumps) and PodScheduled=False until a node frees up after `waitMs`. */
export function unschedulableThenBound(input: ScenarioInput, waitMs = 150_000): AuditEvent[] {
  const st = newPod(input)
  const t = timingsOf(input)
  const t0 = st.t0
  const out = [createPod(st, t0)]
  const failed = schedulerEvent(st, plusMs(t0, 15), 'FailedScheduling', UNSCHEDULABLE)
  out.push(failed.audit, unschedulablePatch(st, plusMs(t0, 21), UNSCHEDULABLE))
  for (let at = 60_000; at < waitMs; at += 60_000)
    out.push(bumpSchedulerEvent(failed.event, plusMs(t0, at)))
  const accept = bindAndAccept(st, out, plusMs(t0, waitMs), t)
  becomeReady(st, out, pullAndStart(st, out, accept, t), t)
  return byStageTime(out)
}

/** The first pull hits a registry rate limit: ErrImagePull → ImagePullBackOff → pulled late. */
export function imagePullLate(input: ScenarioInput, pullMs = 74_912): AuditEvent[] {
  const st = newPod(input)
  const t = timingsOf(input)
  const out = [createPod(st, st.t0)]
  const accept = bindAndAccept(st, out, plusMs(st.t0, t.bindMs), t)
  const [name = 'app'] = containerNames(st)
  const image = imageOf(st, name)
  const first = plusMs(accept, 900)
  const pulling = kubeletEvent(st, first, {
    reason: 'Pulling',
    message: `Pulling image "${image}"`,
    container: name,
  })
  const why = `failed to pull and unpack image "${image}": failed to copy: httpReadSeeker: failed open: unexpected status code 429 Too Many Requests`
  const err = kubeletEvent(st, plusMs(first, 1_500), {
    reason: 'Failed',
    type: 'Warning',
    message: `Failed to pull image "${image}": ${why}`,
    container: name,
  })
  const errPull = kubeletEvent(st, plusMs(first, 1_501), {
    reason: 'Failed',
    type: 'Warning',
    message: 'Error: ErrImagePull',
    container: name,
  })
  out.push(pulling.audit, err.audit, errPull.audit)
  out.push(
    kubeletStatusPatch(st, plusMs(first, 1_600), {
      containers: { [name]: waitingStatus(st, name, 'ErrImagePull', why) },
    }),
  )
  const backoff = kubeletEvent(st, plusMs(first, 2_300), {
    reason: 'BackOff',
    message: `Back-off pulling image "${image}"`,
    container: name,
  })
  const errBackoff = kubeletEvent(st, plusMs(first, 2_301), {
    reason: 'Failed',
    type: 'Warning',
    message: 'Error: ImagePullBackOff',
    container: name,
  })
  out.push(backoff.audit, errBackoff.audit)
  out.push(
    kubeletStatusPatch(st, plusMs(first, 2_400), {
      containers: {
        [name]: waitingStatus(st, name, 'ImagePullBackOff', `Back-off pulling image "${image}"`),
      },
    }),
  )
  const retry = plusMs(first, 17_000)
  out.push(bumpKubeletEvent(pulling.event, retry))
  const started = pullAndStart(st, out, retry, { ...t, pullMs }, true)
  becomeReady(st, out, started, t)
  return byStageTime(out)
}

/** Never schedulable; deleted by a user while Pending (no node: the API server removes it at once). */
export function neverBoundDeleted(input: ScenarioInput, deleteAfterMs = 600_000): AuditEvent[] {
  const st = newPod(input)
  const t0 = st.t0
  const out = [createPod(st, t0)]
  const failed = schedulerEvent(st, plusMs(t0, 12), 'FailedScheduling', UNSCHEDULABLE)
  out.push(failed.audit, unschedulablePatch(st, plusMs(t0, 18), UNSCHEDULABLE))
  for (let at = 60_000; at < deleteAfterMs; at += 120_000)
    out.push(bumpSchedulerEvent(failed.event, plusMs(t0, at)))
  out.push(deletePod(st, plusMs(t0, deleteAfterMs), ADMIN, 0))
  return byStageTime(out)
}

/** A Job pod (restartPolicy Never, job-tracking finalizer) that runs `runMs` and succeeds. */
export function jobPodSucceeds(input: ScenarioInput, runMs = 12_000): AuditEvent[] {
  const finalizer = 'batch.kubernetes.io/job-tracking'
  const jobName = input.owner?.name ?? input.name.slice(0, input.name.lastIndexOf('-'))
  const st = newPod({
    ...input,
    owner: { kind: 'Job', name: jobName },
    restartPolicy: 'Never',
    finalizers: [finalizer],
    labels: { 'batch.kubernetes.io/job-name': jobName, 'job-name': jobName },
    containers: input.containers ?? [{ name: 'pi', image: 'perl:5.34.0' }],
  })
  const t = timingsOf(input)
  const out = [createPod(st, st.t0)]
  const accept = bindAndAccept(st, out, plusMs(st.t0, t.bindMs), t)
  const started = pullAndStart(st, out, accept, t)
  const names = containerNames(st)
  const done = plusMs(started, runMs)
  out.push(
    kubeletStatusPatch(st, plusMs(done, 300), {
      phase: 'Succeeded',
      conditions: [
        { type: 'PodReadyToStartContainers', status: 'False' },
        { type: 'Ready', status: 'False', reason: 'PodCompleted' },
        { type: 'ContainersReady', status: 'False', reason: 'PodCompleted' },
      ],
      containers: Object.fromEntries(
        names.map((n) => [n, terminatedStatus(st, n, started, done, 'Completed', 0)]),
      ),
    }),
  )
  out.push(removeFinalizer(st, plusMs(done, 450), controller('job-controller'), finalizer))
  return byStageTime(out)
}

/** A ready pod evicted by `kubectl drain` (`pods/eviction` 201), stopped and removed. */
export function evictedPod(
  input: ScenarioInput,
  evictAfterMs = 60_000,
  by: Requester = ADMIN,
): AuditEvent[] {
  const st = newPod(input)
  const t = timingsOf(input)
  const out = [createPod(st, st.t0)]
  const accept = bindAndAccept(st, out, plusMs(st.t0, t.bindMs), t)
  const started = pullAndStart(st, out, accept, t)
  becomeReady(st, out, started, t)
  const at = plusMs(st.t0, evictAfterMs)
  out.push(evictPod(st, at, by))
  stopAndRemove(st, out, at, started)
  return byStageTime(out)
}
