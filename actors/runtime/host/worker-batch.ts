import type { SloAlert } from '../../../protocol/alert.ts'
import type { Effect } from '../../lifecycle/decide.ts'
import type { DirectoryChanges } from '../../lifecycle/pod-directory.ts'
import { isTerminal, type PodState } from '../../lifecycle/pod-state.ts'
import { encodeState } from '../../lifecycle/pod-state-codec.ts'
import type { SloType, WriteOp } from '../store/store.ts'

/** Effects published after the batch is durable; kept in the store until published (outbox). */
export type OutboxItem =
  | { kind: 'alert'; alert: SloAlert }
  | { kind: 'trace'; uid: string; action: 'PodCreate' | 'PodDelete' }

/** Kubelet pod-startup bucket set (seconds), LIFECYCLE §9; rollups count by the same buckets. */
export const LATENCY_BUCKETS = [
  0.5, 1, 2, 3, 4, 5, 6, 8, 10, 20, 30, 45, 60, 120, 180, 240, 300, 360, 480, 600, 900, 1200, 1800,
  2700, 3600,
] as const

/** The rollup bucket label of a latency in ms: the smallest bucket bound ≥ it, or `+Inf`. */
export function bucketOf(ms: number): string {
  const s = ms / 1000
  for (const b of LATENCY_BUCKETS) if (s <= b) return String(b)
  return '+Inf'
}

/** Store keys of small per-partition and per-pod metadata. */
export const META = {
  outbox: (p: number) => `outbox:${p}`,
  alias: (uid: string) => `alias:${uid}`,
  held: (namespace: string, name: string) => `held:${namespace}/${name}`,
  seq: (p: number) => `seq:${p}`,
} as const

export interface BatchOptions {
  partition: number
  /** How long a terminal pod's state is kept. */
  retentionMs: number
  /** How long anything not written again is kept: live states and every index pointing at them. */
  liveTtlMs: number
  /** Wall clock of the batch (epoch ms): partition membership is scored with it. */
  nowMs: number
}

/**
 * What one batch of a partition changed, turned into one atomic store write: the states, the
 * directory, alarms, SLO indexes and rollups, and the outbox of effects still to publish.
 */
export class Batch {
  readonly states = new Map<string, PodState>()
  readonly alarms = new Map<string, number | null>()
  readonly outbox: OutboxItem[] = []
  readonly effects: { effect: Effect; state: PodState }[] = []
  readonly #ops: WriteOp[] = []
  readonly #opts: BatchOptions

  constructor(opts: BatchOptions) {
    this.#opts = opts
  }

  /** Records a state produced by `decide` and the effects it asked for. */
  commit(state: PodState, effects: readonly Effect[], latencyMs: (slo: SloType) => number | null) {
    this.states.set(state.uid, state)
    for (const effect of effects) {
      switch (effect.type) {
        case 'alarm':
          this.alarms.set(state.uid, effect.at)
          break
        case 'alert':
          this.outbox.push({ kind: 'alert', alert: effect.alert })
          break
        case 'trace':
          this.outbox.push({ kind: 'trace', uid: state.uid, action: effect.action })
          break
        case 'verdict':
          this.#verdict(state, effect, latencyMs(effect.slo))
          break
        default:
          this.effects.push({ effect, state })
      }
    }
  }

  /** A dropped static-pod config actor, merged into its mirror pod. */
  forget(uid: string): void {
    this.states.delete(uid)
    this.alarms.delete(uid)
    this.#ops.push({ op: 'forget', partition: this.#opts.partition, uid })
  }

  #verdict(state: PodState, e: Extract<Effect, { type: 'verdict' }>, ms: number | null): void {
    const base = { type: e.slo, namespace: state.namespace }
    const retainMs = this.#opts.liveTtlMs
    this.#ops.push({ op: 'slo', ...base, uid: state.uid, finishedUs: e.at, retainMs })
    const fields: Record<string, number> = { count: 1, [`result:${e.result}`]: 1 }
    if (e.code) fields[`code:${e.code}`] = 1
    if (ms !== null) {
      fields[`bucket:${bucketOf(ms)}`] = 1
      fields.sum_ms = ms
      fields.measured = 1
    }
    // A verdict time before 1970 (or not finite) has no rollup minute: skipped, never a negative
    // minute that the store refuses (which failed the whole batch, issue #10).
    const minute = Math.floor(e.at / 60_000_000)
    if (Number.isSafeInteger(minute) && minute >= 0) {
      this.#ops.push({ op: 'rollup', ...base, minute, fields })
    }
  }

  /**
   * Every write of the batch, in one list for `Store.write`. Indexes expire with what they point
   * at: a name key and a pod's membership live `liveTtlMs` past the pod's last write, as do
   * aliases and held signals; SLO lists keep `liveTtlMs` of verdicts (as the rollups do).
   */
  writes(changes: DirectoryChanges): WriteOp[] {
    const { partition, retentionMs, liveTtlMs: ttlMs, nowMs } = this.#opts
    const ops: WriteOp[] = [...this.#ops]
    const names = new Map<string, { namespace: string; name: string }>()
    for (const state of this.states.values()) {
      const { namespace, name, uid } = state
      const json = encodeState(state)
      ops.push({ op: 'state', uid, json, ttlMs: isTerminal(state) ? retentionMs : ttlMs })
      ops.push({ op: 'member', partition, uid, atMs: nowMs, retainMs: ttlMs })
      names.set(`${namespace}/${name}`, { namespace, name })
    }
    for (const [uid, at] of this.alarms) ops.push({ op: 'alarm', partition, uid, at })
    for (const { namespace, name, entry } of changes.names) {
      ops.push({ op: 'name', namespace, name, uid: entry.uid, createdUs: entry.first })
      names.set(`${namespace}/${name}`, { namespace, name })
    }
    for (const n of names.values()) ops.push({ op: 'keepName', ...n, ttlMs })
    for (const { from, to } of changes.aliases) {
      ops.push({ op: 'meta', key: META.alias(from), value: to, ttlMs })
    }
    for (const { namespace, name, signals } of changes.held) {
      const value = signals.length > 0 ? JSON.stringify(signals) : null
      ops.push({ op: 'meta', key: META.held(namespace, name), value, ttlMs })
    }
    if (this.outbox.length > 0) {
      ops.push({ op: 'meta', key: META.outbox(partition), value: JSON.stringify(this.outbox) })
    }
    return ops
  }
}
