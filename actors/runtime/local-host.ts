import type { PodSignal } from '../../protocol/pod-signal.ts'
import type { Decide, Effect } from '../lifecycle/decide.ts'
import { PodDirectory } from '../lifecycle/pod-directory.ts'
import { initialState, type PodState } from '../lifecycle/pod-state.ts'

/** How many signals an events-only actor keeps so that it can be merged into its mirror pod. */
const MERGE_LOG_CAP = 5000

/** Counters a host keeps about what it did. */
export interface HostStats {
  signals: number
  duplicates: number
  held: number
  merged: number
  alarms: number
}

export interface LocalHostOptions {
  decide: Decide
  /** Called for every effect, after the state that produced it is stored. */
  onEffect?: (effect: Effect, state: PodState) => void
}

/**
 * An in-process actor host: one lifecycle actor (a state and a serial fold) per pod UID, a pod
 * directory for name → UID resolution and static-pod merges, and an alarm queue driven by an
 * explicit clock. Replay drives it on the signal clock; the distributed runtime reuses the same
 * resolution and alarm rules.
 */
export class LocalHost {
  readonly #decide: Decide
  readonly #onEffect: (effect: Effect, state: PodState) => void
  readonly #actors = new Map<string, PodState>()
  readonly #logs = new Map<string, PodSignal[]>()
  readonly #dir = new PodDirectory()
  readonly stats: HostStats = { signals: 0, duplicates: 0, held: 0, merged: 0, alarms: 0 }

  constructor({ decide, onEffect = () => {} }: LocalHostOptions) {
    this.#decide = decide
    this.#onEffect = onEffect
  }

  /** Current states, by UID. */
  get actors(): ReadonlyMap<string, PodState> {
    return this.#actors
  }

  /** Signals that never resolved to a pod UID. */
  unresolved(): PodSignal[] {
    return this.#dir.held()
  }

  /** Feeds one signal at clock `now` (epoch µs). */
  handle(sig: PodSignal, now: number): void {
    this.stats.signals++
    const res = this.#dir.resolve(sig)
    if ('held' in res) {
      this.stats.held++
      return
    }
    if (res.merge) this.#merge(res.merge, res.uid, now)
    this.#apply(res.uid, sig, now)
    for (const released of this.#dir.release(sig.pod.namespace, sig.pod.name)) {
      const again = this.#dir.resolve(released)
      if ('uid' in again) this.#apply(again.uid, released, now)
    }
  }

  /** Fires every alarm due at or before `now`, earliest first. */
  fireAlarms(now: number): void {
    const due = [...this.#actors.values()]
      .filter((s) => s.alarm !== null && s.alarm <= now)
      .sort((a, b) => (a.alarm ?? 0) - (b.alarm ?? 0) || (a.uid < b.uid ? -1 : 1))
    for (const state of due) {
      this.stats.alarms++
      this.#run(state.uid, state, { kind: 'alarm' }, now)
    }
  }

  /**
   * Forgets alarms due before `until` without firing them: the input has a gap there, so nothing
   * proves the pods were still being watched. Each such pod is judged again on its next signal.
   */
  suspendAlarms(until: number): number {
    let n = 0
    for (const state of this.#actors.values()) {
      if (state.alarm !== null && state.alarm < until) {
        this.#actors.set(state.uid, { ...state, alarm: null })
        n++
      }
    }
    return n
  }

  #apply(uid: string, sig: PodSignal, now: number): void {
    const prev = this.#actors.get(uid) ?? initialState(uid, sig.pod.namespace, sig.pod.name)
    if (prev.seen.includes(sig.id)) {
      this.stats.duplicates++
      return
    }
    this.#run(uid, prev, sig, now)
    const state = this.#actors.get(uid)
    const log = this.#logs.get(uid)
    if (state && Object.keys(state.facts).length === 0) {
      const next = log ?? []
      if (next.length < MERGE_LOG_CAP) next.push(sig)
      this.#logs.set(uid, next)
    } else if (log) {
      this.#logs.delete(uid)
    }
  }

  #run(uid: string, prev: PodState, input: PodSignal | { kind: 'alarm' }, now: number): void {
    const { state, effects } = this.#decide(prev, input, now)
    this.#actors.set(uid, state)
    for (const effect of effects) this.#onEffect(effect, state)
  }

  /** Folds the events-only actor `from` (a static pod's config UID) into the mirror pod `into`. */
  #merge(from: string, into: string, now: number): void {
    const log = this.#logs.get(from)
    const had = this.#actors.get(from)
    this.#actors.delete(from)
    this.#logs.delete(from)
    if (!had || !log) return
    this.stats.merged++
    for (const sig of log) this.#apply(into, sig, now)
  }
}
