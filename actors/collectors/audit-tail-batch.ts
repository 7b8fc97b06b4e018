import { normalizeAuditRecord } from '../../protocol/normalize-gke-managed.ts'
import type { PodSignal } from '../../protocol/pod-signal.ts'
import { auditRecordTime } from '../../protocol/watermark.ts'
import type { FileLine } from './line-reader.ts'

/** Counters of an audit log tail, cumulative since the tail was created. */
export interface AuditTailStats {
  /** Complete lines read (blank lines included). */
  readonly lines: number
  /** Signals published. */
  readonly signals: number
  /** Lines that are not JSON, not an audit record, or too long; skipped. */
  readonly malformed: number
  /** Records that are valid but irrelevant (stage, resource, verb, ignored namespace…). */
  readonly dropped: number
  /** Batches published (one `bus.publish` each, retries not counted). */
  readonly batches: number
  /** Failed publish attempts that were retried. */
  readonly retries: number
  /** Rotations (rename + new file) followed. */
  readonly rotations: number
  /** Truncations (same file, smaller than what was read) followed. */
  readonly truncations: number
}

/** A line that was skipped, located by byte offset (never with its content). */
export interface LineProblem {
  readonly offset: number
  readonly problem: string
}

/** What a batch of lines turned into. */
export interface NormalizedBatch {
  readonly signals: PodSignal[]
  readonly dropped: number
  readonly malformed: LineProblem[]
  /** The oldest record time of the batch (epoch µs): the tail's watermark for it. */
  readonly oldest: number | undefined
}

/** An all-zero `AuditTailStats`. */
export function emptyStats(): AuditTailStats {
  return {
    lines: 0,
    signals: 0,
    malformed: 0,
    dropped: 0,
    batches: 0,
    retries: 0,
    rotations: 0,
    truncations: 0,
  }
}

/**
 * Parses and normalises lines in order. Blank lines are skipped silently; a line that is not
 * JSON, is longer than the reader allows, or is not a valid audit record becomes a problem
 * (with its offset) and never stops the batch.
 */
export function normalizeLines(
  lines: readonly FileLine[],
  ignoredNamespaces: ReadonlySet<string>,
): NormalizedBatch {
  const signals: PodSignal[] = []
  const malformed: LineProblem[] = []
  let dropped = 0
  let oldest: number | undefined
  for (const line of lines) {
    if (line.text === null) {
      malformed.push({
        offset: line.start,
        problem: `line longer than allowed (${line.end - line.start} bytes)`,
      })
      continue
    }
    if (line.text.trim() === '') continue
    let record: unknown
    try {
      record = JSON.parse(line.text)
    } catch {
      malformed.push({ offset: line.start, problem: 'not JSON' })
      continue
    }
    const t = auditRecordTime(record)
    if (t !== undefined && (oldest === undefined || t < oldest)) oldest = t
    try {
      const n = normalizeAuditRecord(record, { ignoredNamespaces })
      if (n.ok) signals.push(...n.signals)
      else if ('dropped' in n) dropped++
      else malformed.push({ offset: line.start, problem: redact(n.invalid) })
    } catch (err: unknown) {
      malformed.push({ offset: line.start, problem: `normaliser failed: ${errorName(err)}` })
    }
  }
  return { signals, dropped, malformed, oldest }
}

/** Removes quoted values a validation message may echo from the input. */
function redact(problem: string): string {
  return problem.replace(/"(?:[^"\\]|\\.)*"/g, '"…"')
}

function errorName(err: unknown): string {
  return err instanceof Error ? err.name : typeof err
}
