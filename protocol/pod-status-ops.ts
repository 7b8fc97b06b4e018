import type { ContainerState, ContainerStatus, PodCondition, PodStatus } from './k8s-pod.ts'
import { present, text } from './k8s-pod-support.ts'
import type { PodOp } from './pod-signal.ts'
import { parseTime, type Stamp } from './time.ts'

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

function conditionOps(conditions: readonly PodCondition[]): StatusOp[] {
  const out: StatusOp[] = []
  for (const c of conditions) {
    const status = text(c.status)
    // A patch entry without `status` only changed the message or probe time.
    if (!status) continue
    const at = parseTime(c.lastTransitionTime)
    out.push(
      present<StatusOp>({
        op: present<PodOp>({
          op: conditionOp(c.type, status),
          reason: text(c.reason),
          message: text(c.message),
        }),
        key: `cond:${c.type}:${status}`,
        at,
      }),
    )
  }
  return out
}

/** `terminated:<reason>;exitCode:<n>` (reason `Unknown` when absent, as the kubelet never is). */
function terminatedWord(t: NonNullable<ContainerState['terminated']>): string {
  const reason = text(t.reason) ?? 'Unknown'
  return t.exitCode == null ? `terminated:${reason}` : `terminated:${reason};exitCode:${t.exitCode}`
}

function stateOps(
  name: string,
  init: boolean,
  state: ContainerState | null | undefined,
  last: boolean,
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
        at: parseTime(state.running.startedAt),
      }),
    )
  }
  if (state.waiting && !last) {
    const reason = text(state.waiting.reason)
    out.push({
      op: present<PodOp>({
        op: reason ? `containerState:${name}:Waiting:${reason}` : `containerState:${name}:Waiting`,
        reason,
        message: text(state.waiting.message),
        ...base,
      }),
      key: `c:${name}:waiting`,
    })
  }
  const t = state.terminated
  if (t) {
    const started = parseTime(t.startedAt)
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
          op: `${prefix}:${name}:${terminatedWord(t)}`,
          reason: text(t.reason),
          message: text(t.message),
          exitCode: t.exitCode ?? undefined,
          ...base,
        }),
        key: `c:${name}:terminated`,
        at: parseTime(t.finishedAt),
      }),
    )
  }
  return out
}

function containerOps(s: ContainerStatus, init: boolean): StatusOp[] {
  const name = s.name
  const base = { container: name, init: init || undefined }
  const out = [...stateOps(name, init, s.state, false), ...stateOps(name, init, s.lastState, true)]
  if (s.ready != null) {
    out.push({
      op: present<PodOp>({ op: `containerReady:${name}:${s.ready}`, ...base }),
      key: `c:${name}:ready`,
    })
  }
  if (s.restartCount != null) {
    out.push({
      op: present<PodOp>({
        op: `containerRestartCount:${name}:${s.restartCount}`,
        count: s.restartCount,
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
 * reported as `containerLastState:<c>:terminated:<reason>;exitCode:<n>`.
 */
export function podStatusOps(status: PodStatus | null | undefined): StatusOp[] {
  if (!status) return []
  const out = conditionOps(status.conditions ?? [])
  const phase = text(status.phase)
  if (phase) {
    out.push({
      op: present<PodOp>({ op: `phase:${phase}:set`, reason: text(status.reason) }),
      key: 'phase',
    })
  }
  if (text(status.podIP)) out.push({ op: { op: 'pod:ip:set' }, key: 'ip' })
  const startTime = parseTime(status.startTime)
  if (startTime) {
    out.push({
      op: { op: 'pod:kubelet:accepted' },
      key: 'start-time',
      at: startTime,
      derived: true,
    })
  }
  for (const s of status.initContainerStatuses ?? []) out.push(...containerOps(s, true))
  for (const s of status.containerStatuses ?? []) out.push(...containerOps(s, false))
  return out
}

/** The operations a status states as current, without derived ones (what an audit patch says). */
export function statedOps(status: PodStatus | null | undefined): PodOp[] {
  return podStatusOps(status)
    .filter((s) => !s.derived)
    .map((s) => s.op)
}
