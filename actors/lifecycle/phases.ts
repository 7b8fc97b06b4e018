import type { ReportPhases, ReportSli } from '../../protocol/pod-report.ts'
import {
  containersStarted,
  deliveryEnd,
  hasInitContainers as hasInit,
  isPreassigned,
  scheduledMark,
} from './derived.ts'
import { hookMs } from './hook-windows.ts'
import { type Mark, type PodState, widthOf } from './pod-state.ts'

/**
 * Milliseconds from one milestone to the next. When a truncated time (1 s precision) stands for
 * the same instant as a more precise earlier one, the phase took less than the truncation: 0.
 */
function span(from: Mark | undefined, to: Mark | undefined): number | null {
  if (!from || !to) return null
  if (to.t < from.t) return from.t < to.t + widthOf(to) ? 0 : null
  return Math.round((to.t - from.t) / 1000)
}

/** Union of the image pull windows (ms); 0 when every image was already present. */
export function imagePullMs(state: PodState): number | null {
  const windows: [number, number][] = []
  let zeroOnly = false
  for (const pull of Object.values(state.pulls)) {
    if (pull.present && !pull.start) {
      zeroOnly = true
      continue
    }
    const end = pull.end?.t
    if (end === undefined) continue
    const start =
      pull.start?.t ?? (pull.reportedMs !== undefined ? end - pull.reportedMs * 1000 : undefined)
    if (start === undefined || start > end) continue
    windows.push([start, end])
  }
  if (windows.length === 0) return zeroOnly ? 0 : null
  windows.sort((a, b) => a[0] - b[0])
  let total = 0
  let [curStart, curEnd] = windows[0] as [number, number]
  for (const [s, e] of windows.slice(1)) {
    if (s > curEnd) {
      total += curEnd - curStart
      curStart = s
      curEnd = e
    } else if (e > curEnd) {
      curEnd = e
    }
  }
  total += curEnd - curStart
  return Math.round(total / 1000)
}

/**
 * Phase durations of LIFECYCLE §3 (ms). A phase that cannot be measured (a milestone missing, or
 * the evidence out of order) is null, never 0.
 */
export function computePhases(state: PodState): ReportPhases {
  const { ms } = state
  const placed = isPreassigned(state) ? ms.created : scheduledMark(state)
  const started = containersStarted(state)
  const init = hasInit(state) ? span(ms.sandboxReady, ms.initialized) : null
  const startFrom = hasInit(state) ? ms.initialized : ms.sandboxReady
  return {
    schedule: isPreassigned(state) ? null : span(ms.created, scheduledMark(state)),
    nodeSetup: span(placed, ms.sandboxReady),
    imagePull: imagePullMs(state),
    init,
    containerStart: span(startFrom, started),
    readiness: span(started, ms.ready),
  }
}

const STATELESS = new Set(['secret', 'configMap', 'downwardAPI', 'emptyDir', 'projected'])

/** Delivery SLIs of LIFECYCLE §4 (ms). */
export function computeSli(state: PodState, phases: ReportPhases): ReportSli {
  const { ms } = state
  const deliveryMs = span(ms.created, deliveryEnd(state))
  const started = containersStarted(state)
  const toStart = span(ms.created, started)
  const startupMs =
    toStart === null ? null : Math.max(0, toStart - (phases.imagePull ?? 0) - (phases.init ?? 0))
  const volumes = state.facts.volumeKinds ?? []
  const startupEligible =
    volumes.every((k) => STATELESS.has(k)) &&
    !state.facts.nominatedNodeName &&
    !state.events.some((e) => e.reason === 'Preempted')
  // User-owned time (LIFECYCLE §4): init containers, postStart hooks, the readiness wait.
  const userOwned = (phases.init ?? 0) + hookMs(state) + (phases.readiness ?? 0)
  const platformMs = deliveryMs === null ? null : Math.max(0, deliveryMs - userOwned)
  return {
    deliveryMs,
    startupMs,
    startupEligible,
    platformMs,
    deleteMs: span(ms.deleteRequested, ms.deleted),
  }
}
