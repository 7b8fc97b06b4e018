import { normalizeAuditEvent } from '../protocol/normalize-audit.ts'
import type { DropReason, PodSignal } from '../protocol/pod-signal.ts'
import { fitSignal } from './payload-fit.ts'

/** Bounded label values of `lunettes_webhook_rejected_total{reason}`. */
export type RejectReason =
  | 'not-object'
  | 'schema'
  | 'no-time'
  | 'no-pod-key'
  | 'oversized'
  | 'error'

/** The first malformed item of a batch, safe to log (no values from the body). */
export interface FirstRejection {
  readonly index: number
  readonly reason: RejectReason
  readonly problem: string
}

/** What a batch of audit events normalised to. */
export interface IngestedBatch {
  readonly signals: PodSignal[]
  /** Items that normalised to signals. */
  readonly accepted: number
  readonly rejected: number
  readonly dropped: number
  /** Signals whose messages were cut so they fit the bus (counted among `signals`). */
  readonly trimmed: number
  readonly rejectedBy: Map<RejectReason, number>
  readonly droppedBy: Map<DropReason, number>
  readonly firstRejection: FirstRejection | undefined
}

/** Maps a normaliser's `invalid` text to a bounded metric label. */
export function rejectReason(problem: string): RejectReason {
  if (problem.includes('expected an object')) return 'not-object'
  if (problem.includes('no usable stageTimestamp')) return 'no-time'
  if (problem.includes('no namespace') || problem.includes('no pod name')) return 'no-pod-key'
  return 'schema'
}

/** Cuts the received value out of a validation message, so no body content reaches the logs. */
function redact(problem: string): string {
  return problem.replace(/,? but received[\s\S]*$/, '').slice(0, 200)
}

function bump<K>(map: Map<K, number>, key: K): void {
  map.set(key, (map.get(key) ?? 0) + 1)
}

/**
 * Normalises every item of an EventList on its own: one malformed item never sinks the batch.
 * Each signal is fitted to the bus's `maxPayload` (`fitSignal`): its messages are cut when it is
 * too big, and an item with a signal that still does not fit is rejected alone (`oversized`),
 * so one huge Event never makes the whole batch unpublishable. Pure and synchronous (no
 * per-event awaits); the caller publishes `signals` in one call.
 */
export function ingestAuditItems(
  items: readonly unknown[],
  ignoredNamespaces: ReadonlySet<string>,
  maxPayload: number,
): IngestedBatch {
  const signals: PodSignal[] = []
  const rejectedBy = new Map<RejectReason, number>()
  const droppedBy = new Map<DropReason, number>()
  let accepted = 0
  let rejected = 0
  let dropped = 0
  let trimmed = 0
  let firstRejection: FirstRejection | undefined
  const reject = (index: number, reason: RejectReason, problem: string) => {
    rejected++
    bump(rejectedBy, reason)
    firstRejection ??= { index, reason, problem: redact(problem) }
  }
  items.forEach((item, index) => {
    try {
      const n = normalizeAuditEvent(item, { ignoredNamespaces })
      if (n.ok) {
        const fitted = n.signals.map((signal) => fitSignal(signal, maxPayload))
        const tooBig = fitted.find((f) => !f.ok)
        if (tooBig) {
          reject(index, 'oversized', `a signal of ${tooBig.bytes} bytes exceeds the bus payload`)
          return
        }
        accepted++
        for (const f of fitted) {
          if (!f.ok) continue
          if (f.trimmed) trimmed++
          signals.push(f.signal)
        }
      } else if ('dropped' in n) {
        dropped++
        bump(droppedBy, n.dropped)
      } else {
        reject(index, rejectReason(n.invalid), n.invalid)
      }
    } catch (err: unknown) {
      // A normaliser bug must not cost the rest of the batch: count the item as malformed.
      reject(index, 'error', err instanceof Error ? err.message : 'normaliser failed')
    }
  })
  return { signals, accepted, rejected, dropped, trimmed, rejectedBy, droppedBy, firstRejection }
}
