import { signalMessages } from '../../protocol/envelope.ts'
import type { PodSignal } from '../../protocol/pod-signal.ts'
import { type Bus, BusUnavailableError } from '../runtime/bus/bus.ts'
import { type Backoff, backoffDelay, sleep } from './kube-backoff.ts'

/** A pino-compatible logger. */
export interface KubeCollectorLog {
  info(obj: object, msg: string): void
  warn(obj: object, msg: string): void
  error(obj: object, msg: string): void
}

/** Options of {@link SignalBatcher}. */
export interface SignalBatcherOptions {
  readonly bus: Bus
  readonly partitions: number
  /** Publish once this many signals are waiting (default 500). */
  readonly maxSignals?: number
  /** Publish what is waiting after this long (default 50 ms). */
  readonly maxDelayMs?: number
  readonly backoff: Backoff
  readonly log: KubeCollectorLog
  /** Aborted at stop: retries end, and what could not be published is reported as lost. */
  readonly signal: AbortSignal
}

/**
 * Collects signals from the list/watch loops and publishes them in batches: one awaited
 * `bus.publish` per batch (up to `maxSignals`, or whatever arrived within `maxDelayMs`), one
 * batch at a time, in arrival order. `add` waits while a full batch is being published, so a
 * slow or unavailable bus stops the loops from reading the API server (backpressure) instead of
 * growing memory. A failed publish is retried with backoff and never dropped, until stop.
 */
export class SignalBatcher {
  readonly #o: Required<Omit<SignalBatcherOptions, 'backoff' | 'log' | 'signal' | 'bus'>>
  readonly #bus: Bus
  readonly #backoff: Backoff
  readonly #log: KubeCollectorLog
  readonly #signal: AbortSignal
  #buffer: PodSignal[] = []
  #timer: NodeJS.Timeout | undefined
  #chain: Promise<void> = Promise.resolve()
  #published = 0
  #retries = 0
  #lost = 0

  constructor(opts: SignalBatcherOptions) {
    const { maxSignals = 500, maxDelayMs = 50 } = opts
    this.#o = { partitions: opts.partitions, maxSignals: Math.max(1, maxSignals), maxDelayMs }
    this.#bus = opts.bus
    this.#backoff = opts.backoff
    this.#log = opts.log
    this.#signal = opts.signal
  }

  /** Signals published (stored or recognised as duplicates by the stream). */
  get published(): number {
    return this.#published
  }

  /** Publish attempts that failed and were retried. */
  get retries(): number {
    return this.#retries
  }

  /** Signals given up at stop because the bus would not take them. */
  get lost(): number {
    return this.#lost
  }

  /** Queues signals; resolves at once, or after the publish when a batch is full. */
  async add(signals: readonly PodSignal[]): Promise<void> {
    if (signals.length === 0) return
    this.#buffer.push(...signals)
    if (this.#buffer.length >= this.#o.maxSignals) {
      await this.flush()
      return
    }
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined
      this.flush().catch((err: unknown) => this.#log.error({ err }, 'signal flush failed'))
    }, this.#o.maxDelayMs)
  }

  /** Publishes everything queued so far (after any publish already under way). */
  flush(): Promise<void> {
    clearTimeout(this.#timer)
    this.#timer = undefined
    const run = this.#chain.then(() => this.#drain())
    this.#chain = run.catch(() => undefined)
    return run
  }

  async #drain(): Promise<void> {
    while (this.#buffer.length > 0) {
      const batch = this.#buffer.splice(0, this.#o.maxSignals)
      await this.#publish(batch)
    }
  }

  async #publish(batch: readonly PodSignal[]): Promise<void> {
    const messages = signalMessages(batch, this.#o.partitions)
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#bus.publish(messages)
        this.#published += batch.length
        if (attempt > 1) this.#log.info({ attempts: attempt }, 'bus publish recovered')
        return
      } catch (err: unknown) {
        if (this.#signal.aborted) {
          this.#lost += batch.length
          this.#log.warn(
            { err, signals: batch.length },
            'signals not published at stop (the next collector re-lists them)',
          )
          return
        }
        this.#retries++
        const delayMs = backoffDelay(this.#backoff, attempt)
        const fields = { err, signals: batch.length, attempt, delayMs }
        if (err instanceof BusUnavailableError) this.#log.warn(fields, 'bus unavailable; retrying')
        else this.#log.error(fields, 'bus publish failed; retrying')
        await sleep(delayMs, this.#signal)
      }
    }
  }
}
