import type { PartitionMessage, WatermarkEnvelope } from '../../../protocol/envelope.ts'
import type { WatermarkMetrics } from './watermark-metrics.ts'

/** The watermark settings of an actor host (all partitions). */
export interface WatermarkTuning {
  /**
   * Live: a source whose watermark is more than this behind its send time is catching up, and
   * its partitions' alarms fire on its watermark less this (`LUNETTES_WATERMARK_GRACE`, 30 s).
   */
  watermarkGraceMs?: number
  /** A catching-up source silent this long stops holding alarms (`LUNETTES_WATERMARK_IDLE`, 2m). */
  watermarkIdleMs?: number
}

/** Options of {@link SourceWatermarks}. */
export interface WatermarkOptions {
  /**
   * A source whose watermark is at most this far behind its send time is live (ms, default 30 s:
   * the API server's webhook batch wait); further behind, it is catching up.
   */
  graceMs?: number
  /** A catching-up source not heard of for this long (ms, wall clock) stops holding (2 min). */
  idleMs?: number
  /** Sources tracked per partition (default 64); beyond, the one heard of longest ago goes. */
  maxSources?: number
  /** Each watermark observed: its source, how far behind it was (s), whether it is catching up. */
  onObserve?: (source: string, lagSeconds: number, catchingUp: boolean) => void
}

/** What a partition knows of one source. */
interface Mark {
  /** The source's watermark (epoch µs): it delivers nothing older from here on. */
  time: number
  /** Catching up: it delivered records older than the grace. */
  behind: boolean
  /** Host wall clock (epoch µs) when last heard of. */
  heardAt: number
}

/**
 * The per-source watermarks of one partition and the clock its live alarms fire on: the slowest
 * of its sources' clocks, where a live source's clock is the wall clock (also once it falls
 * silent) and a catching-up source's clock is its watermark less the grace. Sources age out.
 * The host keeps one per partition across the partition's workers: a worker starting from the
 * store (`rollback`) undoes what the batch its predecessor failed on had changed, since that
 * batch comes again; the next batch on the same worker (`begin`) keeps the last one's changes.
 */
export class SourceWatermarks {
  readonly graceUs: number
  readonly #idleUs: number
  readonly #max: number
  readonly #onObserve: WatermarkOptions['onObserve']
  #marks = new Map<string, Mark>()
  /** The marks as of the last commit, while a batch has changed them. */
  #undo: Map<string, Mark> | null = null

  constructor(o: WatermarkOptions = {}) {
    this.graceUs = (o.graceMs ?? 30_000) * 1000
    this.#idleUs = (o.idleMs ?? 120_000) * 1000
    this.#max = o.maxSources ?? 64
    this.#onObserve = o.onObserve
  }

  /**
   * A batch starts on a worker whose previous batch was persisted: keep what that one changed,
   * and fold in the batch's watermark messages (host wall clock `nowUs`). Only the clock at the
   * batch's end is read, so where in the batch a watermark sits does not matter.
   */
  begin(messages: readonly PartitionMessage[], nowUs: number): void {
    this.#undo = null
    for (const m of messages) if (m.kind === 'watermark') this.observe(m, nowUs)
  }

  /** A worker starts from the store: undo what the failed batch it replaces changed. */
  rollback(): this {
    if (this.#undo) this.#marks = this.#undo
    this.#undo = null
    return this
  }

  /** Folds a watermark message in (host wall clock `nowUs`). */
  observe(m: WatermarkEnvelope, nowUs: number): void {
    this.#change()
    const time = Math.min(m.time, m.sentAt)
    const lagUs = m.sentAt - time
    const behind = lagUs > this.graceUs
    const prev = this.#marks.get(m.source)
    // A watermark never goes back while the source keeps catching up (reordered batches).
    const keep = prev?.behind === true && behind && prev.time > time
    this.#marks.delete(m.source)
    this.#marks.set(m.source, { time: keep && prev ? prev.time : time, behind, heardAt: nowUs })
    if (this.#marks.size > this.#max) {
      const [oldest] = this.#marks.keys()
      if (oldest !== undefined) this.#marks.delete(oldest)
    }
    try {
      this.#onObserve?.(m.source, lagUs / 1e6, behind)
    } catch {
      // Telemetry never breaks the pipeline.
    }
  }

  /**
   * The clock the partition's alarms fire on (epoch µs): `live` (the wall clock, or the backlog
   * rule's clock behind a backlog) held back to the watermark less the grace of every source
   * still catching up. Catching-up sources silent for the idle time age out first.
   */
  clock(nowUs: number, live: number): number {
    let clock = live
    for (const [source, mark] of this.#marks) {
      if (nowUs - mark.heardAt > this.#idleUs) {
        this.#change()
        this.#marks.delete(source)
      } else if (mark.behind) {
        clock = Math.min(clock, mark.time - this.graceUs)
      }
    }
    return clock
  }

  /**
   * When the partition should look at its alarms again, given its earliest alarm `next`: `next`
   * unless a catching-up source holds it, then when the first such source would age out (the
   * source's next watermark wakes the partition anyway, as a message).
   */
  wakeAt(next: number | null): number | null {
    if (next === null) return null
    let held = Number.POSITIVE_INFINITY
    let ageOut = Number.POSITIVE_INFINITY
    for (const mark of this.#marks.values()) {
      if (!mark.behind) continue
      held = Math.min(held, mark.time - this.graceUs)
      ageOut = Math.min(ageOut, mark.heardAt + this.#idleUs)
    }
    return next <= held ? next : Math.max(next, ageOut)
  }

  /** The sources now catching up, with their watermark (epoch µs); for tests and probes. */
  catchingUp(): Map<string, number> {
    const out = new Map<string, number>()
    for (const [source, mark] of this.#marks) if (mark.behind) out.set(source, mark.time)
    return out
  }

  /** Sources tracked. */
  get size(): number {
    return this.#marks.size
  }

  #change(): void {
    if (this.#undo) return
    this.#undo = this.#marks
    this.#marks = new Map([...this.#marks].map(([k, m]) => [k, { ...m }]))
  }
}

/** One partition's watermarks with the host's settings, reporting to its metrics. */
export function createWatermarks(t: WatermarkTuning, metrics?: WatermarkMetrics): SourceWatermarks {
  return new SourceWatermarks({
    ...(t.watermarkGraceMs !== undefined ? { graceMs: t.watermarkGraceMs } : {}),
    ...(t.watermarkIdleMs !== undefined ? { idleMs: t.watermarkIdleMs } : {}),
    ...(metrics ? { onObserve: (s, lag, behind) => metrics.sourceWatermark(s, lag, behind) } : {}),
  })
}
