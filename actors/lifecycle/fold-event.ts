import type { PodEventInfo, PodSignal } from '../../protocol/pod-signal.ts'
import { better, EVENT_CAP, entry, type Mark, offer, type PodState } from './pod-state.ts'

const PULLING = /^Pulling image "([^"]+)"/
const PULLED = /^Successfully pulled image "([^"]+)"(?: in ([0-9.]+)(ms|s|m))?/
const PRESENT = /^Container image "([^"]+)" already present on machine/
const FIELD = /^spec\.(initContainers|containers)\{([^}]+)\}/
const ASSIGNED = /^Successfully assigned [^/]+\/\S+ to (\S+)/

/** Kubelet reasons that prove the sandbox exists (network set up, images being fetched). */
const SANDBOX_EVIDENCE = new Set(['AddedInterface', 'Pulling', 'Pulled', 'Created', 'Started'])

function toMs(value: string, unit: string): number {
  const n = Number(value)
  return Math.round(unit === 'ms' ? n : unit === 'm' ? n * 60_000 : n * 1000)
}

/** Container named by an event's fieldPath, and whether it is an init container. */
export function eventContainer(ev: PodEventInfo): { name: string; init: boolean } | null {
  const m = FIELD.exec(ev.fieldPath ?? '')
  if (!m?.[2]) return null
  return { name: m[2], init: m[1] === 'initContainers' }
}

function recordEvent(state: PodState, ev: PodEventInfo, sig: PodSignal): void {
  const known = state.events.find((e) => e.uid === ev.uid)
  if (known) {
    if (ev.first < known.first) {
      known.first = ev.first
      known.firstP = ev.firstPrecision
    }
    if (sig.time >= known.last) {
      known.last = sig.time
      known.lastP = sig.precision
      known.message = ev.message
    }
    known.count = Math.max(known.count, ev.count)
    return
  }
  const rec = {
    uid: ev.uid,
    reason: ev.reason,
    type: ev.type,
    message: ev.message,
    component: ev.component,
    first: ev.first,
    firstP: ev.firstPrecision,
    last: sig.time,
    lastP: sig.precision,
    count: ev.count,
    ...(ev.fieldPath ? { fieldPath: ev.fieldPath } : {}),
  }
  state.events.push(rec)
  state.events.sort((a, b) => a.first - b.first || (a.uid < b.uid ? -1 : 1))
  if (state.events.length > EVENT_CAP) state.events.splice(0, state.events.length - EVENT_CAP)
}

/**
 * Folds a Kubernetes Event into the pod: the timeline record, and the milestones its reason proves
 * (LIFECYCLE §3). Only the first occurrence proves a milestone; count bumps update the record.
 */
export function foldEvent(state: PodState, sig: PodSignal, ev: PodEventInfo): void {
  recordEvent(state, ev, sig)
  const at: Mark = { t: ev.first, p: ev.firstPrecision, s: sig.source }
  const c = eventContainer(ev)
  if (SANDBOX_EVIDENCE.has(ev.reason) && ev.component !== 'default-scheduler') {
    offer(state, 'sandboxReady', at)
  }
  switch (ev.reason) {
    case 'Scheduled': {
      state.bound = true
      if (!state.facts.staticPod) offer(state, 'scheduled', at)
      const node = ASSIGNED.exec(ev.message)?.[1]
      if (node && !state.facts.nodeName) state.facts.nodeName = node
      break
    }
    case 'FailedScheduling':
      if (ev.message.startsWith('skip schedule deleting pod')) {
        offer(state, 'deleteRequested', at)
      } else {
        offer(state, 'firstScheduleFailure', at)
      }
      break
    case 'Pulling': {
      const image = PULLING.exec(ev.message)?.[1]
      if (image) {
        const pull = entry(state.pulls, image, () => ({}))
        if (better(at, pull.start)) pull.start = at
      }
      break
    }
    case 'Pulled': {
      const pulled = PULLED.exec(ev.message)
      const present = PRESENT.exec(ev.message)
      const image = pulled?.[1] ?? present?.[1]
      if (!image) break
      const pull = entry(state.pulls, image, () => ({}))
      if (better(at, pull.end)) pull.end = at
      if (present) pull.present = pull.present ?? true
      if (pulled?.[2] && pulled[3]) {
        pull.present = false
        pull.reportedMs ??= toMs(pulled[2], pulled[3])
      }
      break
    }
    case 'Started':
      if (c) {
        const cs = entry(state.containers, c.name, () => ({ init: c.init, restarts: 0 }))
        if (better(at, cs.started)) cs.started = at
      }
      break
    case 'Evicted':
      if (better(at, state.evicted ?? undefined)) state.evicted = at
      break
    default:
      break
  }
}
