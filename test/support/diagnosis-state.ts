import type { DiagnoseContext } from '../../actors/lifecycle/diagnose.ts'
import {
  type ContainerState,
  type EventRecord,
  initialState,
  type PodState,
} from '../../actors/lifecycle/pod-state.ts'
import { DEFAULT_SLO_CONFIG } from '../../config/slo-config.ts'
import type { MilestoneName } from '../../protocol/pod-report.ts'
import type { Precision } from '../../protocol/time.ts'

/** 2024-05-01T10:00:00Z in epoch µs: every synthetic pod is created then. */
export const T0 = Date.UTC(2024, 4, 1, 10, 0, 0) * 1000

/** Epoch µs `s` seconds after {@link T0}. */
export const at = (s: number): number => T0 + Math.round(s * 1_000_000)

/** Default budgets (the SLO config defaults) and a hook timeout of 10 s. */
export function ctx(
  result: string,
  nowS = 600,
  over: Partial<DiagnoseContext> = {},
): DiagnoseContext {
  return {
    budgets: DEFAULT_SLO_CONFIG.budgetsMs,
    postStartHookTimeoutMs: null,
    now: at(nowS),
    result,
    ...over,
  }
}

/**
 * A synthetic Deployment pod (namespace `shop`, name `web-1`, one container `app`), created at
 * {@link T0}; `violatedAt` is set when the result says the SLO was missed.
 */
export function pod(containers = ['app'], init: string[] = []): PodState {
  const s = initialState('a1b2c3d4-0000-4000-8000-00000000d1a9', 'shop', 'web-1')
  s.ms.created = { t: T0, p: 'us', s: 'audit' }
  s.facts = {
    owner: { kind: 'ReplicaSet', name: 'web-7d9f' },
    restartPolicy: 'Always',
    schedulerName: 'default-scheduler',
    containers: containers.map((name) => ({ name, image: `registry.example/${name}:1.0` })),
    ...(init.length > 0
      ? { initContainers: init.map((name) => ({ name, image: `registry.example/${name}:1.0` })) }
      : {}),
  }
  for (const name of init) s.containers[name] = { init: true, restarts: 0 }
  return s
}

/** Sets a milestone `s` seconds after T0. */
export function mark(
  state: PodState,
  name: MilestoneName,
  s: number,
  p: Precision = 'us',
): PodState {
  state.ms[name] = { t: at(s), p, s: 'event' }
  return state
}

/** Binds the pod at `s` (Scheduled event time) to `node`. */
export function bind(state: PodState, s: number, node = 'node-a'): PodState {
  state.bound = true
  state.facts.nodeName = node
  return mark(state, 'scheduled', s)
}

let seq = 0

export interface EvInit {
  reason: string
  message: string
  /** First occurrence, seconds after T0. */
  s: number
  /** Last occurrence (default: first). */
  lastS?: number
  type?: 'Warning' | 'Normal'
  count?: number
  component?: string
  container?: string
  initContainer?: string
  uid?: string
}

/** Appends an Event record (legacy 1 s precision). */
export function ev(state: PodState, init: EvInit): PodState {
  const fieldPath = init.container
    ? `spec.containers{${init.container}}`
    : init.initContainer
      ? `spec.initContainers{${init.initContainer}}`
      : undefined
  const rec: EventRecord = {
    uid: init.uid ?? `ev-${String(++seq).padStart(5, '0')}`,
    reason: init.reason,
    type: init.type ?? 'Warning',
    message: init.message,
    component:
      init.component ?? (init.reason === 'FailedScheduling' ? 'default-scheduler' : 'kubelet'),
    first: at(init.s),
    firstP: 's',
    last: at(init.lastS ?? init.s),
    count: init.count ?? 1,
    ...(fieldPath ? { fieldPath } : {}),
  }
  state.events.push(rec)
  return state
}

/** Sets the latest condition of a type (status lowercase, as the actor keeps it). */
export function cond(
  state: PodState,
  type: string,
  status: 'true' | 'false' | 'unknown',
  s: number,
  reason?: string,
  message?: string,
): PodState {
  state.conditions[type] = {
    status,
    t: at(s),
    ...(reason ? { reason } : {}),
    ...(message ? { message } : {}),
  }
  return state
}

/** Patches a container's state (created when missing). */
export function ctr(state: PodState, name: string, patch: Partial<ContainerState>): PodState {
  const cs = state.containers[name] ?? { init: false, restarts: 0 }
  state.containers[name] = Object.assign(cs, patch)
  return state
}

/** A container started at `s` (first start). */
export function started(state: PodState, name: string, s: number): PodState {
  ev(state, {
    reason: 'Started',
    type: 'Normal',
    message: `Started container ${name}`,
    s,
    container: name,
  })
  return ctr(state, name, { started: { t: at(s), p: 's', s: 'event' } })
}

/** A pod that was scheduled at 1 s, got its sandbox at 2 s and started `app` at 3 s. */
export function runningPod(containers = ['app']): PodState {
  const s = bind(pod(containers), 1)
  mark(s, 'sandboxReady', 2)
  mark(s, 'initialized', 1)
  for (const c of containers) started(s, c, 3)
  return mark(s, 'running', 3)
}

/** Marks the pod Ready at `s` (a service's delivery end). */
export function ready(state: PodState, s: number): PodState {
  cond(state, 'Ready', 'true', s)
  for (const c of Object.values(state.containers)) if (!c.init) c.ready = true
  return mark(state, 'ready', s)
}

/** Marks the SLO as missed at the default 480 s deadline. */
export function missed(state: PodState, deadlineS = 480): PodState {
  state.slo.create.violatedAt = at(deadlineS)
  return state
}

/** Bound at 1 s, sandbox at 2 s, nothing started; violated at 480 s. */
export function stuck(containers = ['app'], init: string[] = []): PodState {
  const s = bind(pod(containers, init), 1)
  mark(s, 'sandboxReady', 2)
  ev(s, {
    reason: 'AddedInterface',
    type: 'Normal',
    component: 'multus',
    message: 'Add eth0 [10.128.2.7/23]',
    s: 2,
  })
  return missed(s)
}

/** Marks the containers started at `s` (Created + Started events, running). */
export function runningAt(s: PodState, t: number): PodState {
  for (const c of s.facts.containers ?? []) {
    ev(s, {
      reason: 'Created',
      type: 'Normal',
      message: `Created container ${c.name}`,
      s: t,
      container: c.name,
    })
    ev(s, {
      reason: 'Started',
      type: 'Normal',
      message: `Started container ${c.name}`,
      s: t,
      container: c.name,
    })
    ctr(s, c.name, { started: { t: at(t), p: 's', s: 'event' } })
  }
  return mark(s, 'running', t)
}
