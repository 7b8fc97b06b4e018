import { signalMessages } from '../../protocol/envelope.ts'
import { sourceId, WatermarkTagger } from '../../protocol/watermark.ts'
import type { Bus } from '../runtime/bus/bus.ts'
import type { Store } from '../runtime/store/store.ts'
import { type AuditTailStats, emptyStats, normalizeLines } from './audit-tail-batch.ts'
import {
  backlogAfter,
  decodeCheckpoint,
  encodeCheckpoint,
  openSource,
  type RotatedFile,
  statPath,
  type TailCheckpoint,
  type TailSource,
} from './audit-tail-files.ts'
import type { AuditLogTailOptions, AuditTailLogger } from './audit-tail-options.ts'
import { backoffMs, Pause } from './audit-tail-pause.ts'
import type { FileLine } from './line-reader.ts'

export type { AuditTailStats } from './audit-tail-batch.ts'
export type { AuditLogTailOptions, AuditTailLogger } from './audit-tail-options.ts'

/** Wall clock, epoch µs: a watermark's send time (a watermark goes before each batch). */
const now = () => Date.now() * 1000
/** At most this many malformed lines of one batch are logged one by one. */
const MALFORMED_LOGS_PER_BATCH = 5

/**
 * Follows an API server audit log like `tail -F` and publishes its signals: JSON lines from a
 * checkpoint (inode + offset in the store), surviving rotation (the old file is read to its end,
 * then the new one from 0) and truncation (restart at 0), holding back a partial last line until
 * its newline. Backpressure: one batch is read, published with one awaited `bus.publish`, and
 * checkpointed before the next is read; a failed publish is retried with backoff, never skipped.
 * After a restart, a checkpoint whose file was rotated away is finished first (with any later
 * rotated files), so nothing written between the checkpoint and the rotation is lost.
 */
export class AuditLogTail {
  readonly #path: string
  readonly #bus: Bus
  readonly #store: Store
  readonly #partitions: number
  readonly #ignored: ReadonlySet<string>
  readonly #pollMs: number
  readonly #batchLines: number
  readonly #key: string
  readonly #log: AuditTailLogger
  readonly #onStats: ((s: AuditTailStats) => void) | undefined
  readonly #retryMinMs: number
  readonly #retryMaxMs: number
  #stats: AuditTailStats = emptyStats()
  #source: TailSource | null = null
  /** Rotated files still to finish, oldest first; the first resumes at `#backlogOffset`. */
  #backlog: RotatedFile[] = []
  #backlogOffset = 0
  /** End of the last published line, and what the store holds. */
  #published: TailCheckpoint | null = null
  #saved: string | null = null
  #waitingLogged = false
  #loop: Promise<void> | undefined
  readonly #pause = new Pause()
  readonly #marks: WatermarkTagger
  readonly #sourceId: string
  #behind = false

  constructor(opts: AuditLogTailOptions) {
    const { pollMs = 250, batchLines = 500, retryMinMs = 200, retryMaxMs = 10_000 } = opts
    if (!Number.isInteger(opts.partitions) || opts.partitions < 1) {
      throw new RangeError(`partitions must be a positive integer, got ${opts.partitions}`)
    }
    if (!Number.isInteger(batchLines) || batchLines < 1) {
      throw new RangeError(`batchLines must be a positive integer, got ${batchLines}`)
    }
    this.#path = opts.path
    this.#bus = opts.bus
    this.#store = opts.store
    this.#partitions = opts.partitions
    this.#ignored = opts.ignoredNamespaces
    this.#pollMs = Math.max(1, pollMs)
    this.#batchLines = batchLines
    this.#key = opts.checkpointKey ?? `audit-tail:${opts.path}`
    this.#sourceId = sourceId('', this.#key)
    this.#log = opts.log
    this.#onStats = opts.onStats
    this.#retryMinMs = Math.max(1, retryMinMs)
    this.#retryMaxMs = Math.max(this.#retryMinMs, retryMaxMs)
    this.#marks = new WatermarkTagger({ partitions: opts.partitions })
  }

  /** The counters so far. */
  get stats(): AuditTailStats {
    return this.#stats
  }

  /**
   * Reads the checkpoint, works out where to resume, and starts following in the background.
   * Rejects when the store cannot be read. A missing file is waited for.
   */
  async start(): Promise<void> {
    if (this.#loop !== undefined) throw new Error('audit log tail already started')
    this.#pause.reset()
    const raw = await this.#store.getMeta(this.#key)
    const cp = decodeCheckpoint(raw)
    if (raw !== null && !cp) this.#log.warn({ key: this.#key }, 'unreadable audit tail checkpoint')
    this.#saved = cp ? raw : null
    this.#published = cp
    this.#backlog = []
    if (cp) {
      const live = await statPath(this.#path)
      const same = live?.ino === cp.ino && (await this.#open(this.#path, cp.offset, false, cp.ino))
      if (!same) {
        this.#backlog = await backlogAfter(this.#path, cp.ino)
        this.#backlogOffset = cp.offset
      }
      const first = same ? this.#path : this.#backlog[0]?.file
      const resume = first ? { file: first, offset: cp.offset } : { file: this.#path, offset: 0 }
      this.#log.info({ checkpoint: encodeCheckpoint(cp), ...resume }, 'audit tail resuming')
    }
    this.#loop = this.#run()
  }

  /** Finishes the batch being published, saves the checkpoint, closes the file. */
  async stop(): Promise<void> {
    this.#pause.interrupt()
    await this.#loop
    this.#loop = undefined
    await this.#saveCheckpoint()
    const source = this.#source
    this.#source = null
    await source?.reader.close()
  }

  async #run(): Promise<void> {
    let failures = 0
    while (!this.#pause.interrupted) {
      try {
        if (await this.#step()) await this.#pause.sleep(this.#pollMs)
        failures = 0
      } catch (err: unknown) {
        failures++
        this.#log.error({ err, file: this.#source?.file ?? this.#path }, 'audit tail failed')
        await this.#pause.sleep(backoffMs(failures, this.#retryMinMs, this.#retryMaxMs))
      }
    }
  }

  /** One round: read and publish a batch, or handle the end of the file. True: wait a poll. */
  async #step(): Promise<boolean> {
    const source = this.#source ?? (await this.#openNext())
    if (!source) return true
    const lines = await source.reader.readLines(this.#batchLines)
    if (lines.length > 0) {
      await this.#publishLines(source, lines)
      return false
    }
    if (source.rotated) {
      const rest = source.reader.takeRest()
      if (rest) {
        this.#log.warn({ file: source.file, offset: rest.start }, 'rotated file ends mid-line')
        if (!(await this.#publishLines(source, [rest]))) return false
      }
      this.#source = null
      await source.reader.close()
      // files rotated after this one (two rotations within a poll, or while stopped) come next
      this.#backlog = (await backlogAfter(this.#path, source.ino)).slice(1)
      return false
    }
    const live = await statPath(this.#path)
    if (live && live.ino !== source.ino) {
      this.#log.info({ file: source.file, offset: source.reader.committed }, 'audit log rotated')
      this.#source = { ...source, rotated: true }
      this.#bump({ rotations: this.#stats.rotations + 1 })
      return false
    }
    const { size } = await source.reader.stat()
    if (size < source.reader.position) {
      this.#log.warn(
        { file: source.file, size, offset: source.reader.position },
        'audit log truncated',
      )
      source.reader.reset(0)
      this.#published = { ino: source.ino, offset: 0 }
      await this.#saveCheckpoint()
      this.#bump({ truncations: this.#stats.truncations + 1 })
      return false
    }
    // At the end of the file everything is delivered: say so (live) once lines were published.
    if (this.#behind) await this.#publish(this.#marks.messages(this.#sourceId, now(), now(), []))
    this.#behind = false
    return true
  }

  /** Opens the next rotated file of the backlog, else the live file from 0. */
  async #openNext(): Promise<TailSource | null> {
    for (let next = this.#backlog.shift(); next; next = this.#backlog.shift()) {
      const offset = this.#backlogOffset
      this.#backlogOffset = 0
      const source = await this.#open(next.file, offset, true, next.ino)
      if (source) return source
    }
    const source = await this.#open(this.#path, 0, false)
    if (!source && !this.#waitingLogged) {
      this.#waitingLogged = true
      this.#log.info({ file: this.#path }, 'waiting for the audit log to appear')
    }
    return source
  }

  async #open(
    file: string,
    offset: number,
    rotated: boolean,
    ino?: bigint,
  ): Promise<TailSource | null> {
    const source = await openSource(file, offset, rotated, ino)
    if (!source) return null
    this.#waitingLogged = false
    const at = source.reader.position
    if (at !== offset) {
      this.#log.warn({ file, offset, size: at }, 'checkpoint past the end of file; reading from 0')
    }
    this.#source = source
    const current = this.#published
    if (current?.ino !== source.ino || current.offset !== at) {
      this.#published = { ino: source.ino, offset: at }
      await this.#saveCheckpoint()
    }
    return source
  }

  /** Normalises and publishes lines, then checkpoints; false if the tail stopped first. */
  async #publishLines(source: TailSource, lines: readonly FileLine[]): Promise<boolean> {
    const batch = normalizeLines(lines, this.#ignored)
    batch.malformed.slice(0, MALFORMED_LOGS_PER_BATCH).forEach(({ offset, problem }) => {
      this.#log.warn({ file: source.file, offset, problem }, 'malformed audit line skipped')
    })
    if (batch.malformed.length > MALFORMED_LOGS_PER_BATCH) {
      const more = batch.malformed.length - MALFORMED_LOGS_PER_BATCH
      this.#log.warn({ file: source.file, more }, 'more malformed audit lines skipped')
    }
    if (batch.signals.length > 0) {
      const messages = signalMessages(batch.signals, this.#partitions)
      this.#behind = true
      const marks = this.#marks.messages(this.#sourceId, batch.oldest, now(), messages)
      if (!(await this.#publish([...marks, ...messages]))) return false
    }
    const last = lines[lines.length - 1]
    if (last) this.#published = { ino: source.ino, offset: last.end }
    const s = this.#stats
    this.#bump({
      lines: s.lines + lines.length,
      signals: s.signals + batch.signals.length,
      malformed: s.malformed + batch.malformed.length,
      dropped: s.dropped + batch.dropped,
      batches: s.batches + (batch.signals.length > 0 ? 1 : 0),
    })
    await this.#saveCheckpoint()
    return true
  }

  /** Publishes, retrying with backoff; false if the tail stopped first. */
  async #publish(messages: Parameters<Bus['publish']>[0]): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#bus.publish(messages)
        return true
      } catch (err: unknown) {
        if (this.#pause.interrupted) return false
        const delayMs = backoffMs(attempt, this.#retryMinMs, this.#retryMaxMs)
        this.#log.warn({ err, file: this.#path, attempt, delayMs }, 'publish failed; retrying')
        this.#bump({ retries: this.#stats.retries + 1 })
        await this.#pause.sleep(delayMs)
        if (this.#pause.interrupted) return false
      }
    }
  }

  /** Writes the last published position if the store does not hold it yet; failures wait. */
  async #saveCheckpoint(): Promise<void> {
    if (!this.#published) return
    const value = encodeCheckpoint(this.#published)
    if (value === this.#saved) return
    try {
      await this.#store.write([{ op: 'meta', key: this.#key, value }])
      this.#saved = value
    } catch (err: unknown) {
      this.#log.warn({ err, key: this.#key }, 'audit tail checkpoint not saved; will retry')
    }
  }

  #bump(change: Partial<AuditTailStats>): void {
    this.#stats = { ...this.#stats, ...change }
    try {
      this.#onStats?.(this.#stats)
    } catch (err: unknown) {
      this.#log.warn({ err }, 'audit tail stats callback failed')
    }
  }
}
