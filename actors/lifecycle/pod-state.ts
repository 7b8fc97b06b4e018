import type { MilestoneName } from '../../protocol/pod-report.ts'
import type { PodFacts, PodSignal, SignalSource } from '../../protocol/pod-signal.ts'
import type { Precision } from '../../protocol/time.ts'

/** A milestone candidate: epoch µs, its precision and the source that saw it. */
export interface Mark {
  readonly t: number
  readonly p: Precision
  readonly s: SignalSource
}

/** One image pull window, keyed by image in `PodState.pulls`. */
export interface PullState {
  start?: Mark
  end?: Mark
  /** Duration the kubelet reported in its `Pulled` message, ms. */
  reportedMs?: number
  /** `Container image "X" already present on machine`. */
  present?: boolean
}

/** What the actor knows of one container. */
export interface ContainerState {
  init: boolean
  /** First time the container was seen running. */
  started?: Mark
  ready?: boolean
  restarts: number
  /** `p`: precision of `t` (absent in states stored before it was kept: implied from the value). */
  lastTermination?: { reason: string; exitCode?: number; t: number; p?: Precision }
  waiting?: { reason: string; message?: string; t: number; p?: Precision }
}

/** A Kubernetes Event about the pod, one per Event object (count bumps update it). */
export interface EventRecord {
  uid: string
  reason: string
  type: string
  message: string
  component: string
  fieldPath?: string
  first: number
  firstP: Precision
  last: number
  /** Precision of `last` (absent in states stored before it was kept: implied from the value). */
  lastP?: Precision
  count: number
}

/** A pod condition as last seen. */
export interface ConditionState {
  status: string
  t: number
  /** Precision of `t` (absent in states stored before it was kept: implied from the value). */
  p?: Precision
  reason?: string
  message?: string
}

/** State of one SLO (create or delete). Times are epoch µs. */
export interface SloState {
  result: string
  /** Threshold frozen at the final verdict (ms); null while the verdict may still change. */
  thresholdMs: number | null
  violatedAt: number | null
  final: boolean
  /** What settled a final verdict: the pod's own milestones, the give-up clock, a rejection. */
  by?: 'outcome' | 'give-up' | 'rejected'
}

/** What the delete diagnosis needs beyond the milestones (see `foldDelete`). Times epoch µs. */
export interface DeletionState {
  /** Grace period (s) of the graceful delete that set the kill point. */
  grace?: number
  /** When the kubelet kills what still runs: the delete request time + its grace. */
  killAt?: number
  /** First delete with grace 0 (the kubelet's confirmation), or the kubelet's removal. */
  confirmed?: Mark
  /** Whether `confirmed` was written by the kubelet (`system:node:*`); false: someone forced it. */
  byKubelet?: boolean
  /** The object was removed by someone other than the kubelet before any confirmation (audit). */
  removedBy?: { at: Mark; actor: string }
}

/** The lifecycle actor's state for one pod UID (versioned, JSON-serialisable). */
export interface PodState {
  v: 1
  uid: string
  namespace: string
  name: string
  facts: PodFacts
  ms: Partial<Record<MilestoneName, Mark>>
  pulls: Record<string, PullState>
  containers: Record<string, ContainerState>
  conditions: Record<string, ConditionState>
  phase: { value: string; reason?: string; t: number; p?: Precision } | null
  events: EventRecord[]
  /** First time each operation string was seen (span config matchers use these). */
  ops: Record<string, number>
  createFailure: { code: number; reason?: string; message?: string; t: number } | null
  /** A `pods/binding` or `Scheduled` event was seen (the scheduler placed the pod). */
  bound: boolean
  /** The Pod object itself was seen (audit, watch or list), not only Events about it. */
  seenObject: boolean
  evicted: Mark | null
  /** The delete as the kubelet handles it; absent until a delete operation carries some of it. */
  deletion?: DeletionState
  /** Dedupe ids of recently folded signals, newest last. */
  seen: string[]
  slo: { create: SloState; delete: SloState | null }
  /** Alert dedupe ids already emitted. */
  alerted: string[]
  /** Next alarm, epoch µs, or null. */
  alarm: number | null
  /** Newest signal time folded. */
  lastSignal: number
  /**
   * Signals of a pod known only from Events (no facts yet), kept so that a static pod's config-UID
   * actor can be folded into its mirror pod once the mirror names it (capped).
   */
  log?: PodSignal[]
}

/** How many dedupe ids a pod remembers; redeliveries are recent, so a window suffices. */
export const SEEN_WINDOW = 2048
/** How many Event objects a pod keeps for its timeline and diagnosis. */
export const EVENT_CAP = 500

/** An instant with the precision it was recorded at. */
export interface Instant {
  readonly t: number
  readonly p: Precision
}

/** The empty state of a pod first seen now. */
export function initialState(uid: string, namespace: string, name: string): PodState {
  return {
    v: 1,
    uid,
    namespace,
    name,
    facts: {},
    ms: {},
    pulls: {},
    containers: {},
    conditions: {},
    phase: null,
    events: [],
    ops: {},
    createFailure: null,
    bound: false,
    seenObject: false,
    evicted: null,
    seen: [],
    slo: {
      create: { result: 'pending', thresholdMs: null, violatedAt: null, final: false },
      delete: null,
    },
    alerted: [],
    alarm: null,
    lastSignal: 0,
  }
}

const RANK: Record<Precision, number> = { us: 3, ms: 2, s: 1 }
/** On a tie, evidence about the object itself beats an Event that mentions it. */
const SOURCE_RANK: Record<SignalSource, number> = { audit: 4, watch: 3, list: 2, event: 1 }
const WIDTH: Record<Precision, number> = { us: 1, ms: 1000, s: 1_000_000 }

function within(a: Mark, b: Mark): boolean {
  return a.t >= b.t && a.t < b.t + WIDTH[b.p]
}

/**
 * Whether candidate `c` should replace milestone `m`: the earlier instant wins, but when the two
 * stand for the same instant (one lies inside the other's truncation window) the more precise one
 * wins. Ties fall to the source closest to the object (audit, watch, list, event), so the result
 * never depends on arrival order.
 */
export function better(c: Mark, m: Mark | undefined): boolean {
  if (!m) return true
  if (within(c, m) || within(m, c)) {
    if (RANK[c.p] !== RANK[m.p]) return RANK[c.p] > RANK[m.p]
  }
  if (c.t !== m.t) return c.t < m.t
  if (RANK[c.p] !== RANK[m.p]) return RANK[c.p] > RANK[m.p]
  return SOURCE_RANK[c.s] > SOURCE_RANK[m.s]
}

/** Offers a candidate for a milestone; returns true when it was taken. */
export function offer(state: PodState, name: MilestoneName, c: Mark): boolean {
  if (!better(c, state.ms[name])) return false
  state.ms[name] = c
  return true
}

/**
 * End (exclusive) of the interval a mark stands for, epoch µs: a time of precision `s` is
 * somewhere in the whole second that holds it, [⌊t⌋ₛ, ⌊t⌋ₛ + 1 s), `ms` likewise; `us` is
 * itself. Taking the containing second (not t + 1 s) makes the bound the same wherever inside
 * its second a coarse time was recorded.
 */
export function intervalEnd(m: { t: number; p: Precision }): number {
  const w = WIDTH[m.p]
  return Math.floor(m.t / w) * w + w
}

/** Precision a bare epoch-µs value implies (conditions, container states and Event last times keep none). */
export function impliedPrecision(t: number): Precision {
  if (t % 1_000_000 === 0) return 's'
  return t % 1000 === 0 ? 'ms' : 'us'
}

/**
 * Order of two instants that stand for intervals (LIFECYCLE §2): compared at the coarser of their
 * two widths, so a second-precision time and a µs time inside its second are a tie (0), never
 * "before" just because `.000000` is smaller. Bare numbers take their implied precision. Shifting
 * a coarse time anywhere inside its interval never changes the answer.
 */
export function compareAt(a: Instant | number, b: Instant | number): -1 | 0 | 1 {
  const x = typeof a === 'number' ? { t: a, p: impliedPrecision(a) } : a
  const y = typeof b === 'number' ? { t: b, p: impliedPrecision(b) } : b
  const w = Math.max(WIDTH[x.p], WIDTH[y.p])
  const d = Math.floor(x.t / w) - Math.floor(y.t / w)
  return d < 0 ? -1 : d > 0 ? 1 : 0
}

/**
 * Fold-time "newest wins" (a condition, the phase, a container's waiting or terminated state):
 * whether an observation at `c` replaces the one kept from `prev`. Ordered as intervals
 * ({@link compareAt}): a surely newer time wins, a surely older one loses. When the two fall in
 * the same interval of the coarser precision their order is genuinely ambiguous (a
 * second-precision `lastTransitionTime` of 10:00:05 may lie before or after an audit write at
 * 10:00:05.4); then the finer time wins, from either arrival order: its place is known, and the
 * coarse one is most often the same transition seen through a truncating field. Equal precision
 * in the same interval: the later arrival wins, as a status write overwrites the one before.
 * Shifting a coarse time inside its second never changes the answer.
 */
export function supersedes(c: Instant, prev: { t: number; p?: Precision } | null | undefined) {
  if (!prev) return true
  const q: Instant = { t: prev.t, p: prev.p ?? impliedPrecision(prev.t) }
  const order = compareAt(c, q)
  if (order !== 0) return order > 0
  return RANK[c.p] >= RANK[q.p]
}

/** `a` is surely after `b`: no instant of `a`'s interval lies at or before `b`'s. */
export function surelyAfter(a: Instant | number, b: Instant | number): boolean {
  return compareAt(a, b) > 0
}

/** Start of the interval a time of precision `p` stands for (the truncated value). */
export function floorTo(t: number, p: Precision): number {
  const w = WIDTH[p]
  return Math.floor(t / w) * w
}

/** Width of the window a mark's precision stands for, µs. */
export function widthOf(m: Mark): number {
  return WIDTH[m.p]
}

/** True once the pod is gone or its lifecycle ended (tombstone-worthy). */
export function isTerminal(state: PodState): boolean {
  return state.ms.deleted !== undefined || state.createFailure !== null
}

/** The record's entry for `key`, created with `make()` when missing. */
export function entry<T>(record: Record<string, T>, key: string, make: () => NoInfer<T>): T {
  const found = record[key]
  if (found !== undefined) return found
  const made = make()
  record[key] = made
  return made
}
