import { compareAt, type Mark, type PodState } from './pod-state.ts'

/** Jobs are pods whose containers are meant to finish (`restartPolicy` ≠ Always). */
export function isJob(state: PodState): boolean {
  const policy = state.facts.restartPolicy
  return policy !== undefined && policy !== 'Always'
}

/**
 * A native sidecar: an init container with `restartPolicy: Always`. It runs beside the main
 * containers for the pod's life, does not hold back `Initialized` the way an ordinary init
 * container does, and its restarts are not init failures.
 */
export function isSidecar(state: PodState, name: string): boolean {
  return (
    state.facts.initContainers?.some((c) => c.name === name && c.restartPolicy === 'Always') ??
    false
  )
}

/** Whether the pod has ordinary (run-to-completion) init containers; sidecars do not count. */
export function hasInitContainers(state: PodState): boolean {
  if (state.facts.initContainers) {
    return state.facts.initContainers.some((c) => c.restartPolicy !== 'Always')
  }
  return Object.values(state.containers).some((c) => c.init)
}

/** Names of the regular (non-init) containers: from the spec when known, else those seen. */
export function regularContainers(state: PodState): string[] {
  const spec = state.facts.containers
  if (spec && spec.length > 0) return spec.map((c) => c.name)
  return Object.entries(state.containers)
    .filter(([, c]) => !c.init)
    .map(([name]) => name)
}

/** Every regular container has started at least once: the time the last of them first started. */
export function containersStarted(state: PodState): Mark | undefined {
  const names = regularContainers(state)
  if (names.length === 0) return undefined
  let last: Mark | undefined
  for (const name of names) {
    const started = state.containers[name]?.started
    if (!started) return undefined
    if (!last || started.t > last.t) last = started
  }
  return last
}

/** The earliest mark as intervals: a coarse time never wins over a fine one inside its second. */
function earliest(...marks: (Mark | undefined)[]): Mark | undefined {
  let best: Mark | undefined
  for (const m of marks) if (m && (!best || compareAt(m, best) < 0)) best = m
  return best
}

/**
 * When delivery ended: Ready for services; for jobs the first container start (`running` or all
 * containers started) or `succeeded`, whichever came first (LIFECYCLE §4).
 */
export function deliveryEnd(state: PodState): Mark | undefined {
  if (!isJob(state)) return state.ms.ready
  return earliest(state.ms.running, containersStarted(state), state.ms.succeeded)
}

/**
 * A pod the scheduler never placed: a static mirror pod, one created with `spec.nodeName`, or one
 * whose only placement evidence is a PodScheduled=True stamped at its creation (no binding, no
 * `Scheduled` event, no scheduling failure).
 */
export function isPreassigned(state: PodState): boolean {
  if (state.facts.staticPod) return true
  if (state.bound || state.ms.firstScheduleFailure) return false
  if (state.ops['schedule:preassigned'] !== undefined) return true
  const created = state.ms.created
  const scheduled = state.ms.scheduled
  if (!created || !scheduled || !state.facts.nodeName) return false
  return scheduled.t - created.t <= 1_000_000
}

/** The scheduled milestone as reported: absent for static and preassigned pods. */
export function scheduledMark(state: PodState): Mark | undefined {
  return isPreassigned(state) ? undefined : state.ms.scheduled
}

/** When the pod was first seen deleted or asked to be deleted. */
export function deleteMark(state: PodState): Mark | undefined {
  return earliest(state.ms.deleteRequested, state.ms.deleted)
}

/**
 * Readiness cannot be observed: Ready is a pod condition, never an Event, so a pod known only from
 * Events that got past scheduling may or may not have become ready. Such a pod gets no verdict
 * from a delete or the give-up clock (it ends `incomplete`): we do not accuse what we cannot see.
 */
export function readinessUnobservable(state: PodState): boolean {
  if (isJob(state) || state.ms.ready || state.seenObject) return false
  return (
    state.bound ||
    state.ms.sandboxReady !== undefined ||
    state.ms.kubeletAccepted !== undefined ||
    Object.values(state.containers).some((c) => c.started !== undefined)
  )
}

/** The scheduler or the kubelet placed the pod, or it ran: any sign it got past Pending. */
function placed(state: PodState): boolean {
  return (
    state.bound ||
    state.ms.scheduled !== undefined ||
    state.ms.sandboxReady !== undefined ||
    state.ms.kubeletAccepted !== undefined ||
    state.ms.running !== undefined ||
    state.ms.ready !== undefined ||
    Object.values(state.containers).some((c) => c.started !== undefined)
  )
}

/** A creation time that is only an upper bound: the pod's earliest signal. */
export interface CreatedBound extends Mark {
  readonly bound: true
}

/**
 * When the pod was created: the `created` milestone; else, for a pod known only from Events whose
 * creation signal was lost (Event TTL, a late collector start) but that was seen pending (a
 * scheduling failure), never placed, and then deleted, its earliest signal — an upper bound on its
 * creation (`bound`). Such a pod is a killed delivery, not an unknown one. A pod that was placed
 * gets no bound: its readiness cannot be observed from Events (see {@link readinessUnobservable}).
 */
export function createdMark(state: PodState): Mark | CreatedBound | undefined {
  if (state.ms.created) return state.ms.created
  if (state.seenObject || !state.ms.firstScheduleFailure || placed(state)) return undefined
  if (!deleteMark(state)) return undefined
  let best: Mark | undefined
  const consider = (m: Mark) => {
    if (!best || m.t < best.t) best = m
  }
  for (const m of Object.values(state.ms)) if (m) consider(m)
  for (const ev of state.events) consider({ t: ev.first, p: ev.firstP, s: 'event' })
  return best ? { ...(best as Mark), bound: true } : undefined
}

/** Whether a mark is only an upper bound ({@link createdMark}). */
export function isBound(m: Mark): m is CreatedBound {
  return (m as Partial<CreatedBound>).bound === true
}
