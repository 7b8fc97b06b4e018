import type { MilestoneName } from '../../protocol/pod-report.ts'
import { floorTo, impliedPrecision, type Mark, type PodState } from './pod-state.ts'

const floorMark = (m: Mark): Mark => ({ ...m, t: floorTo(m.t, m.p) })

/**
 * The pod as diagnosis reads it: every time that has a precision is the start of the interval it
 * stands for (a second-precision time truncated to its second). Kubernetes writes coarse times
 * truncated already, so this only matters to a caller that placed a coarse time inside its second;
 * with it, no rule can tell where inside its second a coarse time was, and every ordering decision
 * is left to the interval comparisons ({@link compareAt}). Returns a new object; `state` is kept.
 */
export function intervalView(state: PodState): PodState {
  const ms: PodState['ms'] = {}
  for (const [name, m] of Object.entries(state.ms) as [MilestoneName, Mark][]) {
    ms[name] = floorMark(m)
  }
  const containers: PodState['containers'] = {}
  for (const [name, cs] of Object.entries(state.containers)) {
    containers[name] = cs.started ? { ...cs, started: floorMark(cs.started) } : cs
  }
  const pulls: PodState['pulls'] = {}
  for (const [image, pull] of Object.entries(state.pulls)) {
    pulls[image] = {
      ...pull,
      ...(pull.start ? { start: floorMark(pull.start) } : {}),
      ...(pull.end ? { end: floorMark(pull.end) } : {}),
    }
  }
  const events = state.events.map((ev) => {
    const lastP = ev.lastP ?? impliedPrecision(ev.last)
    return { ...ev, first: floorTo(ev.first, ev.firstP), last: floorTo(ev.last, lastP), lastP }
  })
  return {
    ...state,
    ms,
    containers,
    pulls,
    events,
    evicted: state.evicted ? floorMark(state.evicted) : null,
  }
}
