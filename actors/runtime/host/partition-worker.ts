import type { PartitionMessage } from '../../../protocol/envelope.ts'
import type { PodSignal } from '../../../protocol/pod-signal.ts'
import type { Effect } from '../../lifecycle/decide.ts'
import { computePhases, computeSli } from '../../lifecycle/phases.ts'
import { PodDirectory } from '../../lifecycle/pod-directory.ts'
import { initialState, type PodState } from '../../lifecycle/pod-state.ts'
import { closeSlos } from '../../lifecycle/slo.ts'
import { StoreConflictError, type WriteOp } from '../store/store.ts'
import { AlarmIndex } from './alarm-index.ts'
import { foldFailure, writeFailure } from './failures.ts'
import {
  type BatchResult,
  DIRECTORY_FLOOR,
  emptyResult,
  MERGE_LOG_CAP,
  type ProcessOptions,
  type WorkerOptions,
  withDefaults,
} from './partition-worker-types.ts'
import { PodStates } from './pod-states.ts'
import { Batch, META, type OutboxItem } from './worker-batch.ts'

/**
 * The lifecycle actors of one partition: one state per pod UID with a serial fold (messages of a
 * partition are processed strictly in order, so a pod's handlers never interleave), a pod
 * directory, and the partition's alarms. Every batch is persisted in one atomic store write
 * before the host acknowledges it; effects come out as an outbox the host publishes after.
 */
export class PartitionWorker {
  readonly partition: number
  readonly #o: Required<Omit<WorkerOptions, 'partition'>>
  readonly #states: PodStates
  readonly #dir = new PodDirectory()
  readonly #alarms = new AlarmIndex()
  #clock = Number.NEGATIVE_INFINITY
  /** Effects of earlier batches not yet published (kept in the store's outbox too). */
  #pending: OutboxItem[] = []
  /** The next replay `seq` this partition expects (messages without `seq` are not ordered). */
  #next = 1
  /** The partition's fence counter as of this worker's last write (see `WriteOp` fence). */
  #fence = 0
  /** Live: the newest event time folded (epoch µs). */
  #folded = Number.NEGATIVE_INFINITY

  constructor(opts: WorkerOptions) {
    this.partition = opts.partition
    this.#o = withDefaults(opts)
    this.#states = new PodStates(this.#o.store, () => this.#wallMs(), this.#o.retentionMs)
  }

  /** Pods whose alarm the last `process` fired (also when it failed). */
  lastFired: readonly string[] = []
  /** The replay sequence number this partition waits for next. */
  get nextSeq(): number {
    return this.#next
  }

  /** Actors in memory now. */
  get live(): number {
    return this.#states.cache.size
  }

  /** Loads the partition's alarms and returns the outbox a previous owner left unpublished. */
  async recover(): Promise<OutboxItem[]> {
    // The fence first: a write by anyone after this read makes our first write fail.
    this.#fence = await this.#o.store.fence(this.partition)
    const due = await this.#o.store.dueAlarms(this.partition, Number.MAX_SAFE_INTEGER, 1_000_000)
    for (const a of due) this.#alarms.set(a.uid, a.at)
    this.#next = Number((await this.#o.store.getMeta(META.seq(this.partition))) ?? 1)
    const outbox = await this.#o.store.getMeta(META.outbox(this.partition))
    this.#pending = outbox ? (JSON.parse(outbox) as OutboxItem[]) : []
    return this.#pending
  }

  /** The host published the last batch's outbox: forget it here and in the store. */
  async outboxPublished(): Promise<void> {
    if (this.#pending.length === 0) return
    this.#pending = []
    await this.#write([{ op: 'meta', key: META.outbox(this.partition), value: null }])
  }

  /** Moves a pod's state aside and disarms it (its own alarm cannot fold): it restarts empty. */
  async quarantine(uid: string): Promise<void> {
    this.#alarms.set(uid, null)
    const ops = await this.#states.moveAside(uid)
    await this.#write([...ops, { op: 'alarm', partition: this.partition, uid, at: null }])
  }

  /** The earliest armed alarm (epoch µs), or null. */
  nextAlarm(): number | null {
    return this.#o.watermarks.wakeAt(this.#alarms.next())
  }

  /**
   * Processes messages in order and persists the result. Live, alarms fire after the messages on
   * the slowest of: the wall clock if `caughtUp` (nothing more waiting), else the newest signal
   * folded less `backlogGraceMs` (a backlog is folded before it is judged); each catching-up
   * source's watermark less its grace (watermark-clock.ts). A throwing fold or a batch the store
   * refuses rejects with `TerminalInputError` (store and bus failures as they are): discard it.
   */
  async process(
    messages: readonly PartitionMessage[],
    caughtUp = true,
    opts: ProcessOptions = {},
  ): Promise<BatchResult> {
    const batch = new Batch({
      partition: this.partition,
      retentionMs: this.#o.retentionMs,
      liveTtlMs: this.#o.liveTtlMs,
      nowMs: this.#wallMs(),
    })
    batch.outbox.push(...this.#pending)
    const result = emptyResult(messages.length)
    this.lastFired = result.fired
    this.#o.watermarks.begin(this.#o.mode === 'live' ? messages : [], this.#o.now())
    const startSeq = this.#next
    await this.#states.prefetch(messages, this.#dir, opts.skip)
    for (const [i, m] of messages.entries()) {
      if (m.seq !== undefined) {
        if (m.seq < this.#next) {
          result.duplicates++
          continue
        }
        if (m.seq > this.#next) {
          result.consumed = i
          break
        }
        this.#next++
      }
      if (m.kind === 'clock') {
        await this.#advance(m.time, batch, result)
        if (m.suspendBefore !== undefined) await this.#suspend(m.suspendBefore, batch)
        if (m.end) result.ended = { run: m.run, pods: await this.#close(batch) }
        continue
      }
      if (m.kind === 'watermark') continue
      if (this.#o.mode === 'replay') await this.#advance(m.clock ?? m.signal.time, batch, result)
      if (opts.skip?.has(i)) continue
      if (this.#o.mode === 'live') this.#folded = Math.max(this.#folded, m.signal.time)
      await this.#signal(m.signal, batch, result).catch((err: unknown) => {
        throw foldFailure(err, `signal ${m.signal.id}`)
      })
    }
    if (this.#o.mode === 'live') {
      const now = this.#o.now()
      const behind = Math.min(now, this.#folded - this.#o.backlogGraceMs * 1000)
      const clock = this.#o.watermarks.clock(now, caughtUp ? now : behind)
      await this.#fireDue(clock, batch, result, opts.alarms)
    }
    const writes = [...this.#states.moveAsideOps(), ...batch.writes(this.#dir.takeChanges())]
    if (this.#next !== startSeq) {
      writes.push({ op: 'meta', key: META.seq(this.partition), value: String(this.#next) })
    }
    if (writes.length > 0) await this.#write(writes)
    // Held back past a gap: the missing messages may have gone to another owner of this
    // partition (a lease that lapsed while its holder was cut off). Then our view is stale.
    else if (result.consumed < messages.length) await this.#checkFence()
    result.corrupt = this.#states.takeCorrupt()
    this.#states.cache.passivate(this.#o.cacheSize, this.#wallMs() - this.#o.idleMs)
    // Names and aliases follow the live actors down (the store has them for the next signal):
    // a host tracking 150k mostly passivated pods must not keep a directory entry for each.
    this.#dir.trim(Math.min(this.#o.cacheSize, Math.max(this.live, DIRECTORY_FLOOR)))
    this.#pending = [...batch.outbox]
    result.outbox = batch.outbox
    result.effects = batch.effects
    return result
  }

  /** Writes a batch behind the partition's fence; `StoreConflictError` if another owner wrote. */
  async #write(writes: WriteOp[]): Promise<void> {
    const next = this.#fence + 1
    const fence: WriteOp = { op: 'fence', partition: this.partition, expect: this.#fence, next }
    await this.#o.store.write([fence, ...writes]).catch((err: unknown) => {
      throw writeFailure(err)
    })
    this.#fence = next
  }

  async #checkFence(): Promise<void> {
    const found = await this.#o.store.fence(this.partition)
    if (found !== this.#fence) throw new StoreConflictError(this.partition, this.#fence, found)
  }

  /** Wall clock, epoch ms. */
  #wallMs = (): number => Math.floor(this.#o.now() / 1000)

  #now(): number {
    return this.#o.mode === 'replay' ? this.#clock : this.#o.now()
  }

  async #advance(time: number, batch: Batch, result: BatchResult): Promise<void> {
    if (time > this.#clock) this.#clock = time
    await this.#fireDue(this.#clock, batch, result)
  }

  async #fireDue(
    now: number,
    batch: Batch,
    result: BatchResult,
    only?: (uid: string) => boolean,
  ): Promise<void> {
    const due = this.#alarms.due(now)
    for (const [uid] of due) {
      if (only && !only(uid)) continue
      this.#alarms.set(uid, null)
      result.fired.push(uid)
      const prev = await this.#states.load(uid)
      if (!prev) continue
      try {
        const { state, effects } = this.#o.decide(prev, { kind: 'alarm' }, now)
        this.#commit(state, effects, batch)
      } catch (err: unknown) {
        throw foldFailure(err, `the alarm of pod ${uid}`)
      }
    }
  }

  /** An observation gap: alarms due before `before` are dropped unfired (judged on next signal). */
  async #suspend(before: number, batch: Batch): Promise<void> {
    for (const [uid] of this.#alarms.before(before)) {
      this.#alarms.set(uid, null)
      batch.alarms.set(uid, null)
      const state = await this.#states.load(uid)
      if (state) this.#commit({ ...state, alarm: null }, [], batch)
    }
  }

  async #signal(sig: PodSignal, batch: Batch, result: BatchResult): Promise<void> {
    await this.#states.hydrate(sig, this.#dir)
    const res = this.#dir.resolve(sig)
    if ('held' in res) {
      result.held++
      return
    }
    if (res.merge) await this.#merge(res.merge, res.uid, batch, result)
    await this.#apply(res.uid, sig, batch, result)
    for (const released of this.#dir.release(sig.pod.namespace, sig.pod.name)) {
      const again = this.#dir.resolve(released)
      if ('uid' in again) await this.#apply(again.uid, released, batch, result)
    }
  }

  async #apply(uid: string, sig: PodSignal, batch: Batch, result: BatchResult): Promise<void> {
    const prev =
      (await this.#states.load(uid)) ?? initialState(uid, sig.pod.namespace, sig.pod.name)
    if (prev.seen.includes(sig.id)) {
      result.duplicates++
      return
    }
    const { state, effects } = this.#o.decide(prev, sig, this.#now())
    if (Object.keys(state.facts).length === 0) {
      const log = [...(state.log ?? []), sig]
      state.log = log.length > MERGE_LOG_CAP ? log.slice(-MERGE_LOG_CAP) : log
    } else if (state.log) {
      delete state.log
    }
    this.#commit(state, effects, batch)
  }

  /** Folds the events-only actor `from` (a static pod's config UID) into the mirror pod `into`. */
  async #merge(from: string, into: string, batch: Batch, result: BatchResult): Promise<void> {
    const had = await this.#states.load(from)
    if (!had) return
    this.#states.cache.delete(from)
    this.#alarms.set(from, null)
    batch.forget(from)
    for (const sig of had.log ?? []) await this.#apply(into, sig, batch, result)
  }

  #commit(state: PodState, effects: readonly Effect[], batch: Batch): void {
    this.#states.cache.set(state, this.#wallMs())
    for (const e of effects) {
      if (e.type !== 'alarm') continue
      this.#alarms.set(state.uid, e.at)
    }
    const alarm = state.alarm
    if (alarm !== null && this.#alarms.get(state.uid) !== alarm) {
      // Re-armed by decide without an alarm effect (after a gap suspension).
      this.#alarms.set(state.uid, alarm)
      batch.alarms.set(state.uid, alarm)
    }
    batch.commit(state, effects, (slo) => {
      const sli = computeSli(state, computePhases(state))
      return slo === 'create' ? sli.deliveryMs : sli.deleteMs
    })
  }

  /** End of replay input: every pod of the partition gets its interim verdicts closed. */
  async #close(batch: Batch): Promise<number> {
    const uids = new Set([...(await this.#o.store.members(this.partition)), ...batch.states.keys()])
    for (const uid of uids) {
      const state = await this.#states.load(uid)
      if (!state) continue
      const closed = structuredClone(state)
      closeSlos(closed)
      this.#commit(closed, [], batch)
    }
    return uids.size
  }
}
