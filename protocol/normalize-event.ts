import { FieldGuard } from './field-guard.ts'
import { eventOccurrences, type K8sEventView, readK8sEvent } from './k8s-event.ts'
import { boundText, isDnsSubdomain, podKeyProblem } from './limits.ts'
import type { Normalized, PodEventInfo, PodSignal } from './pod-signal.ts'
import type { Stamp } from './time.ts'

/** Options of {@link normalizeK8sEvent}. */
export interface NormalizeEventOptions {
  /** `event` for Events read from files or lists, `watch` for Events delivered by a watch. */
  readonly source: 'event' | 'watch'
  /**
   * `true` when the object is an Event's final form (a file, a list, a must-gather dump): every
   * occurrence the object still shows becomes a signal (the first, and the latest when it
   * repeated). `false` for a watch ADDED/MODIFIED: one signal for the current occurrence.
   */
  readonly finalState: boolean
  /** Namespaces whose signals are dropped (`IgnoredNamespaceForAudit`). */
  readonly ignoredNamespaces?: ReadonlySet<string>
}

/** The pod named by an owner controller's `SuccessfulCreate` / `SuccessfulDelete` Event. */
export interface OwnerPodAction {
  readonly op: 'owner:pod:created' | 'owner:pod:deleted'
  /** Set only when the message named it (`Created pod: ns/name`). */
  readonly namespace?: string
  readonly name: string
  /**
   * The legacy recorder's aggregate form, `(combined from similar events): …`: the message
   * names the pod of the latest occurrence only.
   */
  readonly combined: boolean
}

const COMBINED = '(combined from similar events): '
const OWNER_MESSAGE = /^(Created|Deleted) pod: (\S+)$/
const STATEFULSET_MESSAGE = /^(create|delete) Pod (\S+) in StatefulSet \S+ successful$/

/**
 * Recognises the pod-lifecycle messages of owner controllers: `Created pod: NAME` /
 * `Deleted pod: NAME` (ReplicaSet, DaemonSet, Job, ReplicationController, …) and
 * `create Pod NAME in StatefulSet SET successful` / `delete Pod …` (StatefulSet), with reasons
 * `SuccessfulCreate` / `SuccessfulDelete`. Anything else (e.g. `create Claim …`) gives `undefined`.
 */
export function parseOwnerMessage(reason: string, message: string): OwnerPodAction | undefined {
  const combined = message.startsWith(COMBINED)
  const text = combined ? message.slice(COMBINED.length) : message
  const m = OWNER_MESSAGE.exec(text)
  const s = m ? undefined : STATEFULSET_MESSAGE.exec(text)
  const verb = m?.[1] ?? s?.[1]
  const target = m?.[2] ?? s?.[2]
  if (!verb || !target) return undefined
  const created = verb === 'Created' || verb === 'create'
  if (reason !== (created ? 'SuccessfulCreate' : 'SuccessfulDelete')) return undefined
  const op = created ? 'owner:pod:created' : 'owner:pod:deleted'
  const slash = target.indexOf('/')
  if (slash > 0 && slash < target.length - 1) {
    return { op, namespace: target.slice(0, slash), name: target.slice(slash + 1), combined }
  }
  return { op, name: target, combined }
}

interface Occurrences {
  readonly first: Stamp
  readonly last: Stamp
  readonly total: number
}

/**
 * The first and latest occurrence. Each time field is read once through `guard`: a client-set
 * `firstTimestamp` in 1960 is left out (counted) and the next candidate is used.
 */
function occurrences(e: K8sEventView, guard: FieldGuard): Occurrences | undefined {
  const series = guard.time(e.series?.lastObservedTime)
  const lastTimestamp = guard.time(e.lastTimestamp)
  const eventTime = guard.time(e.eventTime)
  const firstTimestamp = guard.time(e.firstTimestamp)
  const created = guard.time(e.metadata.creationTimestamp)
  const last0 = series ?? lastTimestamp
  const first = eventTime ?? firstTimestamp ?? created ?? last0
  if (!first) return undefined
  const last = last0 && last0.time >= first.time ? last0 : first
  return { first, last, total: eventOccurrences(e) }
}

interface Occurrence {
  readonly count: number
  readonly at: Stamp
}

/**
 * Which occurrences become signals. Final state: the first (count 1) and, when the Event
 * repeated, the latest (count = total; emitted even when its timestamp equals the first one's,
 * so the repeat count is not lost and its id matches what a watch would have produced). Watch:
 * the current occurrence only.
 */
function pick(o: Occurrences, finalState: boolean): Occurrence[] {
  const latest = { count: o.total, at: o.total > 1 ? o.last : o.first }
  if (!finalState || o.total === 1) return [latest]
  return [{ count: 1, at: o.first }, latest]
}

function eventUid(e: K8sEventView, first: Stamp, guard: FieldGuard): string {
  const m = e.metadata
  const uid = guard.uid(m.uid)
  if (uid) return uid
  if (m.name) return `${m.namespace ?? ''}/${m.name}`
  const r = e.regarding
  return `${r.namespace ?? ''}/${r.name ?? ''}/${e.reason}/${first.time}`
}

function missingTimeMessage(e: K8sEventView): string {
  const fields =
    e.style === 'events'
      ? 'eventTime, deprecatedFirstTimestamp, deprecatedLastTimestamp'
      : 'eventTime, firstTimestamp, lastTimestamp'
  return `k8s event: no timestamp: ${fields}, series.lastObservedTime and metadata.creationTimestamp are all missing or unparseable`
}

function ownerSignals(
  e: K8sEventView,
  action: OwnerPodAction,
  o: Occurrences,
  uid: string,
  opts: NormalizeEventOptions,
  guard: FieldGuard,
): Normalized {
  const namespace = action.namespace || e.regarding.namespace || e.metadata.namespace || ''
  const problem = podKeyProblem(namespace, action.name)
  if (problem) return { ok: false, invalid: `k8s event: the pod its message names: ${problem}` }
  if (opts.ignoredNamespaces?.has(namespace)) return { ok: false, dropped: 'ignored-namespace' }
  const ownerName = e.regarding.name || ''
  const owner = { kind: e.regarding.kind || '', name: isDnsSubdomain(ownerName) ? ownerName : '' }
  if (owner.name !== ownerName) guard.drop('bad-name')
  // An aggregated message names only the pod of the latest occurrence.
  const picked = action.combined ? [{ count: o.total, at: o.last }] : pick(o, opts.finalState)
  const signals = picked.map(
    (p): PodSignal => ({
      v: 1,
      id: `event:${uid}:${p.count}:owner`,
      source: opts.source,
      time: p.at.time,
      precision: p.at.precision,
      pod: { namespace, name: action.name },
      ...(e.component ? { actor: e.component } : {}),
      facts: { owner },
      ops: [{ op: action.op }],
    }),
  )
  return withDrops(signals, guard)
}

function withDrops(signals: PodSignal[], guard: FieldGuard): Normalized {
  const fieldDrops = guard.drops
  return fieldDrops ? { ok: true, signals, fieldDrops } : { ok: true, signals }
}

/**
 * Turns a core/v1 or events.k8s.io/v1 Event into pod signals (LIFECYCLE §1, source 3).
 *
 * - An Event about a Pod gives signals carrying a {@link PodEventInfo} and no ops: reasons are
 *   interpreted by the actor, not here. The pod key comes from `involvedObject`/`regarding`.
 * - An owner's `SuccessfulCreate`/`SuccessfulDelete` Event naming a pod (see
 *   {@link parseOwnerMessage}) gives a signal for that pod (no uid) with op `owner:pod:created`
 *   or `owner:pod:deleted` and `facts.owner` = the involved object.
 * - Other Events are dropped as `not-about-a-pod`; pods in `ignoredNamespaces` as
 *   `ignored-namespace`. Input that is not an Event, or an Event without any timestamp, is
 *   `invalid`.
 *
 * Times: the first occurrence is `eventTime` (µs), else `firstTimestamp` (1 s), else
 * `metadata.creationTimestamp`; the latest is `series.lastObservedTime` or `lastTimestamp`. The
 * occurrence total is {@link eventOccurrences}. Ids are `event:<eventUid>:<count>` (suffix
 * `:owner` for owner signals), so the same occurrence seen through a file and a watch dedupes.
 */
export function normalizeK8sEvent(input: unknown, opts: NormalizeEventOptions): Normalized {
  const guard = new FieldGuard()
  const read = readK8sEvent(input, guard)
  if (!read.ok) return { ok: false, invalid: read.error }
  const e = read.event
  const r = e.regarding
  const isPod = r.kind === 'Pod'
  const owner = isPod || !r.kind ? undefined : parseOwnerMessage(e.reason, e.message)
  if (!isPod && !owner) return { ok: false, dropped: 'not-about-a-pod' }
  const o = occurrences(e, guard)
  if (!o) return { ok: false, invalid: missingTimeMessage(e) }
  const uid = eventUid(e, o.first, guard)
  if (owner) return ownerSignals(e, owner, o, uid, opts, guard)
  if (!r.name) return { ok: false, invalid: 'k8s event: the Pod it is about has no name' }
  const namespace = r.namespace || e.metadata.namespace || ''
  const problem = podKeyProblem(namespace, r.name)
  if (problem) return { ok: false, invalid: `k8s event: the Pod it is about: ${problem}` }
  if (opts.ignoredNamespaces?.has(namespace)) return { ok: false, dropped: 'ignored-namespace' }
  const podUid = guard.uid(r.uid)
  const pod = podUid ? { namespace, name: r.name, uid: podUid } : { namespace, name: r.name }
  const message = boundText(e.message)
  const signals = pick(o, opts.finalState).map((p): PodSignal => {
    const event: PodEventInfo = {
      uid,
      reason: e.reason,
      type: e.type,
      message: message.text,
      ...(message.bytes !== undefined ? { messageBytes: message.bytes } : {}),
      count: p.count,
      component: e.component,
      ...(r.fieldPath ? { fieldPath: r.fieldPath } : {}),
      first: o.first.time,
      firstPrecision: o.first.precision,
    }
    return {
      v: 1,
      id: `event:${uid}:${p.count}`,
      source: opts.source,
      time: p.at.time,
      precision: p.at.precision,
      pod,
      ...(e.component ? { actor: e.component } : {}),
      ops: [],
      event,
    }
  })
  return withDrops(signals, guard)
}
