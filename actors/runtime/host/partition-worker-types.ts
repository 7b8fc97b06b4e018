import type { Decide, Effect } from '../../lifecycle/decide.ts'
import type { PodState } from '../../lifecycle/pod-state.ts'
import type { Store } from '../store/store.ts'
import type { CorruptState } from './pod-states.ts'
import { SourceWatermarks } from './watermark-clock.ts'
import type { OutboxItem } from './worker-batch.ts'

export interface WorkerOptions {
  partition: number
  store: Store
  decide: Decide
  /** `live`: wall clock for alarms and decisions. `replay`: the clock the envelopes carry. */
  mode: 'live' | 'replay'
  /** Wall clock, epoch µs. */
  now?: () => number
  /** Actors kept in memory; idle ones beyond this are passivated (their state is in the store). */
  cacheSize?: number
  /** Actors not used for this long (ms, wall clock) are passivated too (default 5 min). */
  idleMs?: number
  /** Time a terminal pod's state (its tombstone) is kept, ms. */
  retentionMs?: number
  /** Time a non-terminal pod's state is kept without any signal, ms. */
  liveTtlMs?: number
  /**
   * Live, behind a backlog: how far (ms) event times may run out of order in the stream (audit
   * webhook batching, collector lag). Alarms due this long before the newest folded signal fire
   * even while the backlog lasts (default 60 s).
   */
  backlogGraceMs?: number
  /**
   * Live: the partition's per-source watermarks (watermark-clock.ts); its alarms fire on the
   * slowest source's clock. The host keeps one per partition across workers (default: a new one).
   */
  watermarks?: SourceWatermarks
}

const DAY_MS = 86_400_000

const TUNING = ['cacheSize', 'idleMs', 'retentionMs', 'liveTtlMs', 'backlogGraceMs'] as const

/** The worker options a host passes on to each of its partitions. */
export type WorkerTuning = Partial<Pick<WorkerOptions, (typeof TUNING)[number]>>

/** The tuning options set in `o` (unset ones keep the worker's defaults). */
export function tuningOf(o: WorkerTuning): WorkerTuning {
  const out: WorkerTuning = {}
  for (const key of TUNING) {
    const value = o[key]
    if (value !== undefined) out[key] = value
  }
  return out
}

/** The options with every default filled in. */
export function withDefaults(opts: WorkerOptions): Required<Omit<WorkerOptions, 'partition'>> {
  return {
    store: opts.store,
    decide: opts.decide,
    mode: opts.mode,
    now: opts.now ?? (() => Date.now() * 1000),
    cacheSize: opts.cacheSize ?? 10_000,
    idleMs: opts.idleMs ?? 5 * 60_000,
    retentionMs: opts.retentionMs ?? 7 * DAY_MS,
    liveTtlMs: opts.liveTtlMs ?? 30 * DAY_MS,
    backlogGraceMs: opts.backlogGraceMs ?? 60_000,
    watermarks: opts.watermarks ?? new SourceWatermarks(),
  }
}

/** What a processed batch asks of the host once it is durable. */
export interface BatchResult {
  /**
   * How many of the messages were consumed (processed or recognised as repeats); the rest came
   * after a gap in the partition's `seq` and must be handed back (nak) to arrive again in order.
   */
  consumed: number
  outbox: OutboxItem[]
  effects: { effect: Effect; state: PodState }[]
  /** Pods closed by a replay end marker, when the batch carried one. */
  ended: { run: string | undefined; pods: number } | null
  duplicates: number
  held: number
  /** Pods whose alarm fired in the batch. */
  fired: string[]
  /** Pods whose stored state could not be decoded: moved aside, restarted empty. */
  corrupt: CorruptState[]
}

/** How the host narrows a batch while it isolates a failing input. */
export interface ProcessOptions {
  /**
   * Indexes of messages consumed without being folded (already dead-lettered): a replay `seq`
   * and clock still advance past them.
   */
  skip?: ReadonlySet<number>
  /** Live: only the due alarms of pods this accepts fire (the others stay armed). */
  alarms?: (uid: string) => boolean
}

/** The result of a batch of `n` messages before any is processed. */
export function emptyResult(n: number): BatchResult {
  const empty = { outbox: [], effects: [], ended: null, duplicates: 0, held: 0 }
  return { consumed: n, ...empty, fired: [], corrupt: [] }
}

/** Names (and aliases) a partition's directory keeps in memory even with few live actors. */
export const DIRECTORY_FLOOR = 256

/** How many signals an events-only actor keeps for a later static-pod merge. */
export const MERGE_LOG_CAP = 2000
