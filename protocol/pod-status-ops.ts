import { FieldGuard } from './field-guard.ts'
import type { ContainerState, ContainerStatus, PodCondition, PodStatus } from './k8s-pod.ts'
import { present, text } from './k8s-pod-support.ts'
import { messageFields } from './limits.ts'
import type { PodOp } from './pod-signal.ts'
import type { Stamp } from './time.ts'

/**
 * One operation read from a pod status, with the timestamp the status gives it (if any) and a
 * stable key naming the fact, for signal ids:
 * - `cond:<Type>:<Status>` — a condition, `at` = `lastTransitionTime`;
 * - `c:<container>:running` — a run that started, `at` = `startedAt` (current state, or the
 *   start of a terminated run in `state`/`lastState`: one key per run whichever field shows it);
 * - `c:<container>:terminated` — a run that ended, `at` = `finishedAt`;
 * - `start-time` — `status.startTime` (the kubelet accepted the pod);
 * - `phase`, `ip`, `c:<container>:waiting`, `c:<container>:ready`, `c:<container>:restarts` —
 *   untimed state (no `at`).
 */
export interface StatusOp {
  readonly op: PodOp
  readonly key: string
  readonly at?: Stamp
  /**
   * Set for ops derived from a timestamp rather than stated as current state: the start of a
   * terminated run and `pod:kubelet:accepted` from `startTime`. Audit signals leave them out.
   */
  readonly derived?: true
}

/** `True`/`False`/`Unknown` → `true`/`false`/`unknown` (other values lower-cased). */
export function conditionStatusWord(status: string): string {
  return status.toLowerCase()
}

/** The op string of a condition: `condition:<Type>:<true|false|unknown>`. */
export function conditionOp(type: string, status: string): string {
  return `condition:${type}:${conditionStatusWord(status)}`
}

function conditionOps(conditions: readonly PodCondition[], guard: FieldGuard): StatusOp[] {
  const out: StatusOp[] = []
  for (const c of conditions) {
    const status = text(c.status)
    // A patch entry without `status` only changed the message or probe time.
    if (!status) continue
    const at = guard.time(c.lastTransitionTime)
    out.push(
      present<StatusOp>({
        op: present<PodOp>({
          op: conditionOp(c.type, status),
          reason: text(c.reason),
          ...messageFields(c.message),
        }),
        key: `cond:${c.type}:${status}`,
        at,
      }),
    )
  }
  return out
}

/** `terminated:<reason>;exitCode:<n>` (reason `Unknown` when absent, as the kubelet never is). */
function terminatedWord(
  t: NonNullable<ContainerState['terminated']>,
  exitCode: number | undefined,
): string {
  const reason = text(t.reason) ?? 'Unknown'
  return exitCode === undefined
    ? `terminated:${reason}`
    : `terminated:${reason};exitCode:${exitCode}`
}

function stateOps(
  name: string,
  init: boolean,
  state: ContainerState | null | undefined,
  last: boolean,
  guard: FieldGuard,
): StatusOp[] {
  if (!state) return []
  const out: StatusOp[] = []
  const base = { container: name, init: init || undefined }
  const prefix = last ? 'containerLastState' : 'containerState'
  if (state.running && !last) {
    out.push(
      present<StatusOp>({
        op: present<PodOp>({ op: `containerState:${name}:Running`, ...base }),
        key: `c:${name}:running`,
        at: guard.time(state.running.startedAt),
      }),
    )
  }
  if (state.waiting && !last) {
    const reason = text(state.waiting.reason)
    out.push({
      op: present<PodOp>({
        op: reason ? `containerState:${name}:Waiting:${reason}` : `containerState:${name}:Waiting`,
        reason,
        ...messageFields(state.waiting.message),
        ...base,
      }),
      key: `c:${name}:waiting`,
    })
  }
  const t = state.terminated
  if (t) {
    const started = guard.time(t.startedAt)
    const exitCode = guard.int32(t.exitCode)
    if (started) {
      out.push({
        op: present<PodOp>({ op: `containerState:${name}:Running`, ...base }),
        key: `c:${name}:running`,
        at: started,
        derived: true,
      })
    }
    out.push(
      present<StatusOp>({
        op: present<PodOp>({
          op: `${prefix}:${name}:${terminatedWord(t, exitCode)}`,
          reason: text(t.reason),
          ...messageFields(t.message),
          exitCode,
          ...base,
        }),
        key: `c:${name}:terminated`,
        at: guard.time(t.finishedAt),
      }),
    )
  }
  return out
}

function containerOps(s: ContainerStatus, init: boolean, guard: FieldGuard): StatusOp[] {
  const name = s.name
  if (!guard.containerName(name)) return []
  const base = { container: name, init: init || undefined }
  const out = [
    ...stateOps(name, init, s.state, false, guard),
    ...stateOps(name, init, s.lastState, true, guard),
  ]
  if (s.ready != null) {
    out.push({
      op: present<PodOp>({ op: `containerReady:${name}:${s.ready}`, ...base }),
      key: `c:${name}:ready`,
    })
  }
  const restarts = guard.count(s.restartCount)
  if (restarts !== undefined) {
    out.push({
      op: present<PodOp>({
        op: `containerRestartCount:${name}:${restarts}`,
        count: restarts,
        ...base,
      }),
      key: `c:${name}:restarts`,
    })
  }
  return out
}

/**
 * Turns a pod status, or the partial `status` of a strategic-merge / merge patch body, into
 * operations (LIFECYCLE §2). Absent fields give nothing; `$setElementOrder/*` directives and
 * condition entries without `status` are ignored. Order: conditions, phase, podIP, startTime,
 * init containers, containers. For a terminated run the status gives both its start (a derived
 * `containerState:<c>:Running` at `startedAt`) and its end; `lastState` terminations are
 * reported as `containerLastState:<c>:terminated:<reason>;exitCode:<n>`. Impossible values
 * (times outside 1970–9999, counts that are not finite non-negative integers, container names
 * that are not DNS-1123 labels) are left out and counted on `guard`; messages are bounded.
 */
export function podStatusOps(
  status: PodStatus | null | undefined,
  guard: FieldGuard = new FieldGuard(),
): StatusOp[] {
  if (!status) return []
  const out = conditionOps(status.conditions ?? [], guard)
  const phase = text(status.phase)
  if (phase) {
    out.push({
      op: present<PodOp>({ op: `phase:${phase}:set`, reason: text(status.reason) }),
      key: 'phase',
    })
  }
  if (text(status.podIP)) out.push({ op: { op: 'pod:ip:set' }, key: 'ip' })
  const startTime = guard.time(status.startTime)
  if (startTime) {
    out.push({
      op: { op: 'pod:kubelet:accepted' },
      key: 'start-time',
      at: startTime,
      derived: true,
    })
  }
  for (const s of status.initContainerStatuses ?? []) out.push(...containerOps(s, true, guard))
  for (const s of status.containerStatuses ?? []) out.push(...containerOps(s, false, guard))
  return out
}

/** The operations a status states as current, without derived ones (what an audit patch says). */
export function statedOps(
  status: PodStatus | null | undefined,
  guard: FieldGuard = new FieldGuard(),
): PodOp[] {
  return podStatusOps(status, guard)
    .filter((s) => !s.derived)
    .map((s) => s.op)
}
