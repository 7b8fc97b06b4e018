import { formatTime } from '../../protocol/time.ts'
import {
  containerNames,
  containerOf,
  containerProgressAfter,
  eventEvidence,
  type Finding,
  finding,
  GOT_PAST,
  groupBy,
  lastOf,
  precisionOf,
  type RuleInput,
} from './diagnosis-finding.ts'
import {
  IMAGE_WAITING,
  type PullFailure,
  parsePullEvent,
  parsePullWaiting,
  pullSummary,
} from './parse-image.ts'
import { surelyAfter } from './pod-state.ts'

const PULL_REASONS = new Set(['Failed', 'BackOff', 'InspectFailed', 'ErrImageNeverPull'])

interface Observation {
  failure: PullFailure
  /** Container name, or `image:<ref>` when the event names no container. */
  key: string
  container: string | null
  first: number
  at: number
  tie: string
  evidence: Finding['evidence'][number]
}

function observations(input: RuleInput): Observation[] {
  const out: Observation[] = []
  for (const ev of input.events) {
    if (!PULL_REASONS.has(ev.reason)) continue
    const failure = parsePullEvent(ev.reason, ev.message)
    if (!failure) continue
    const container = containerOf(ev)?.name ?? null
    const key = container ?? `image:${failure.image ?? ''}`
    out.push({
      failure,
      key,
      container,
      first: ev.first,
      at: ev.last,
      tie: ev.uid,
      evidence: eventEvidence(ev),
    })
  }
  for (const name of containerNames(input.state)) {
    const w = input.state.containers[name]?.waiting
    if (!w || !IMAGE_WAITING.has(w.reason)) continue
    out.push({
      failure: parsePullWaiting(w.reason, w.message),
      key: name,
      container: name,
      first: w.t,
      at: w.t,
      tie: `container:${name}`,
      evidence: {
        time: formatTime(w.t, precisionOf(w.t)),
        source: 'container',
        field: `containers.${name}.waiting`,
        reason: w.reason,
        ...(w.message ? { message: w.message } : {}),
      },
    })
  }
  return out
}

/** Whether the pull behind a key got done after `t`: the container moved on, or the image was pulled. */
function pulledAfter(input: RuleInput, obs: Observation[], t: number): boolean {
  const head = obs[0]
  if (head?.container) return containerProgressAfter(input, head.container, t, GOT_PAST.pull)
  const image = obs.find((o) => o.failure.image)?.failure.image
  if (!image) return false
  return input.events.some(
    (ev) =>
      ev.reason === 'Pulled' && surelyAfter(lastOf(ev), t) && ev.message.includes(`"${image}"`),
  )
}

/**
 * Pull failures per container: one finding per code seen with a specific cause (newest wins
 * within the image phase); wrappers (`Error: ErrImagePull`, `Back-off pulling image`,
 * `ImagePullBackOff`) add evidence, and make an `ImagePullFailed` of their own only when no cause
 * was reported for that container.
 */
export function imageRules(input: RuleInput): Finding[] {
  const out: Finding[] = []
  for (const [, obs] of groupBy(observations(input), (o) => o.key)) {
    obs.sort((a, b) => a.at - b.at || (a.tie < b.tie ? -1 : 1))
    const newestAt = Math.max(...obs.map((o) => o.at))
    const blocking = !pulledAfter(input, obs, newestAt)
    const specific = obs.filter((o) => o.failure.specific)
    const wrappers = obs.filter((o) => !o.failure.specific)
    const used = specific.length > 0 ? specific : wrappers
    const image = obs.find((o) => o.failure.image)?.failure.image ?? null
    for (const [, same] of groupBy(used, (o) => o.failure.code)) {
      const newest = same[same.length - 1]
      if (!newest) continue
      // `Error: InvalidImageName` names the code only; the InspectFailed event says why.
      const telling = [...same].reverse().find((o) => !/^\w+$/.test(o.failure.cause)) ?? newest
      const failure = { ...telling.failure, image: telling.failure.image ?? image }
      const evidence = [...same.slice(-3), ...(used === specific ? wrappers.slice(-2) : [])]
      out.push(
        finding(failure.code, {
          kind: 'hard',
          summary: pullSummary(failure, newest.container),
          ...(failure.cause.length > 140 ? { detail: failure.cause } : {}),
          evidence: evidence.sort((a, b) => a.at - b.at).map((o) => o.evidence),
          first: Math.min(...same.map((o) => o.first)),
          at: newest.at,
          tie: `${newest.key}:${newest.tie}`,
          blocking,
        }),
      )
    }
  }
  return out
}
