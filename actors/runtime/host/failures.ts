import { BusUnavailableError, NoRespondersError, RequestTimeoutError } from '../bus/bus.ts'
import { StoreConflictError, StoreError } from '../store/store.ts'

/** Why a signal went to the dead-letter stream. */
export type DeadLetterReason =
  /** Folding it threw (decide, or the bookkeeping around it). */
  | 'fold'
  /** The store refused the state it produced (a value the store cannot hold). */
  | 'persist'
  /** Delivered `max_deliver` times without being acknowledged (it kept failing or crashing us). */
  | 'max-deliver'

/**
 * A failure that belongs to one input (a signal, or a pod's own alarm), never to the partition:
 * retrying it gives the same result. The host isolates it and moves on; it never restarts the
 * partition for it.
 */
export class TerminalInputError extends Error {
  override readonly name = 'TerminalInputError'
  readonly reason: 'fold' | 'persist'
  constructor(reason: 'fold' | 'persist', message: string, options?: { cause: unknown }) {
    super(message, options)
    this.reason = reason
  }
}

/**
 * What the host does about a failure (STYLE "Errors by what the runtime should do"):
 * - `retryable`: the bus or the store is away; hand the batch back, restart after a backoff.
 * - `terminal`: the input itself is bad; isolate it, dead-letter it, acknowledge, move on.
 * - `fenced`: another owner wrote the partition; restart it from the store, keep the lease.
 * - `fatal`: anything else (a bug); log it as an error and release the partition.
 */
export type FailureKind = 'retryable' | 'terminal' | 'fenced' | 'fatal'

/** The one place the host decides how to react to an error. */
export function classifyFailure(err: unknown): FailureKind {
  if (err instanceof TerminalInputError) return 'terminal'
  if (err instanceof StoreConflictError) return 'fenced'
  if (err instanceof StoreError || err instanceof BusUnavailableError) return 'retryable'
  if (err instanceof NoRespondersError || err instanceof RequestTimeoutError) return 'retryable'
  return 'fatal'
}

/** An error from the store's write as the host sees it: refused values are terminal. */
export function writeFailure(err: unknown): unknown {
  // The stores validate a batch before sending anything and throw TypeError/RangeError for a
  // value they cannot hold (store-validate.ts): the same batch would be refused forever.
  if (err instanceof TypeError || err instanceof RangeError) {
    return new TerminalInputError('persist', `the store refused the batch: ${err.message}`, {
      cause: err,
    })
  }
  return err
}

/** An error thrown while folding one input: terminal unless the store or bus was the cause. */
export function foldFailure(err: unknown, what: string): unknown {
  if (classifyFailure(err) !== 'fatal') return err
  const text = err instanceof Error ? err.message : String(err)
  return new TerminalInputError('fold', `folding ${what} failed: ${text}`, { cause: err })
}

/** Short text of an error for a dead letter or a log line (bounded). */
export function errorText(err: unknown, max = 1000): string {
  const parts: string[] = []
  let e: unknown = err
  for (let i = 0; i < 3 && e !== undefined; i++) {
    parts.push(e instanceof Error ? e.message : String(e))
    e = e instanceof Error ? e.cause : undefined
  }
  const text = [...new Set(parts)].join(': caused by: ')
  return text.length > max ? `${text.slice(0, max)}…` : text
}

/** Backoff before a partition whose batch failed on a retryable error is restarted. */
export function retryBackoffMs(consecutive: number): number {
  return Math.min(30_000, 500 * 2 ** Math.max(0, consecutive - 1))
}

/**
 * Delivery limits by host mode: the consumer's (`max_deliver`, `backoff`) and the loop's
 * dead-letter threshold. Live: `maxDeliver` with a growing ack wait, so a signal that keeps
 * crashing or failing the host is dead-lettered. Replay: none. A replay partition folds its `seq`s
 * strictly in order and hands back everything past a gap until the gap fills (every hand-back is
 * a delivery), and outages and take-overs redeliver whole prefetched buffers: there, counts measure
 * waiting, not failing. A `seq` the server drops at `max_deliver` (or one dead-lettered) leaves a
 * gap that holds the partition forever, and the backoff delays the redelivery that fills a gap by
 * up to a minute. Input that fails to fold is still isolated and dead-lettered (terminal path).
 */
export function deliveryLimits(
  mode: 'live' | 'replay',
  ackWaitMs: number,
  maxDeliver: number,
): { consumer: { maxDeliver?: number; backoffMs?: number[] }; loopMaxDeliver: number } {
  if (mode === 'replay') return { consumer: {}, loopMaxDeliver: Number.POSITIVE_INFINITY }
  const backoffMs = consumerBackoffMs(ackWaitMs, maxDeliver)
  return { consumer: { maxDeliver, backoffMs }, loopMaxDeliver: maxDeliver }
}

/**
 * The consumers' ack wait per delivery (JetStream `backoff`): the configured ack wait first, so a
 * crashed host's batch comes back as soon as before, then doubling up to a minute; always fewer
 * values than `maxDeliver`, as JetStream requires.
 */
export function consumerBackoffMs(ackWaitMs: number, maxDeliver: number): number[] {
  const out: number[] = []
  for (let i = 0; i < Math.min(6, maxDeliver - 1); i++) {
    out.push(Math.min(60_000, Math.max(ackWaitMs, ackWaitMs * 2 ** i)))
  }
  return out
}
