import { containerOf, PROGRESS_REASONS } from './diagnosis-finding.ts'
import { compareAt, type EventRecord, type PodState } from './pod-state.ts'

const HOOK_CONTAINER = /for Container "([^"]+)"/

/** The container a hook event is about: its fieldPath, else the message. */
export function hookContainer(ev: EventRecord): string | null {
  return containerOf(ev)?.name ?? HOOK_CONTAINER.exec(ev.message)?.[1] ?? null
}

/** One measured postStart hook: from its container's start to the next kubelet step. */
export interface HookWindow {
  name: string
  /** Epoch µs: the container's first start. */
  start: number
  startEvent: EventRecord | undefined
  /** The first kubelet event about a later container (or the hook's failure). */
  end: EventRecord
  ms: number
}

/**
 * postStart hook windows: the kubelet runs a container's postStart hook before it moves on to the
 * next container of the spec, so the hook's window is this container's first `Started` → the
 * first kubelet event about a later container (or the hook's failure). Without such end evidence
 * (the last container, or nothing observed) the hook is not measured.
 */
export function hookWindows(state: PodState, events: readonly EventRecord[]): HookWindow[] {
  const spec = state.facts.containers
  const hooks = state.facts.postStartHooks
  if (!spec || !hooks) return []
  const order = spec.map((c) => c.name)
  const out: HookWindow[] = []
  for (const name of [...hooks].sort()) {
    const idx = order.indexOf(name)
    const startEvent = events.find(
      (ev) => ev.reason === 'Started' && containerOf(ev)?.name === name,
    )
    const start = startEvent?.first ?? state.containers[name]?.started?.t
    if (idx < 0 || start === undefined) continue
    const later = new Set(order.slice(idx + 1))
    let end: EventRecord | undefined
    for (const ev of events) {
      const c = containerOf(ev)
      const next = c !== null && !c.init && later.has(c.name) && PROGRESS_REASONS.has(ev.reason)
      const failed = ev.reason === 'FailedPostStartHook' && hookContainer(ev) === name
      const after = compareAt({ t: ev.first, p: ev.firstP }, start) >= 0
      if ((next || failed) && after && (!end || ev.first < end.first)) end = ev
    }
    if (!end) continue
    out.push({ name, start, startEvent, end, ms: Math.max(0, end.first - start) / 1000 })
  }
  return out
}

/** Total postStart hook time of the pod, ms (user-owned: `platformMs` subtracts it). */
export function hookMs(state: PodState): number {
  return Math.round(hookWindows(state, state.events).reduce((n, w) => n + w.ms, 0))
}
