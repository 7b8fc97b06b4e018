import type { SloConfig } from '../../config/slo-config.ts'
import { dropCounts, type PodSignal } from '../../protocol/pod-signal.ts'
import { normalizeRecord } from './normalize-record.ts'
import { type InputRecord, readJsonLinesRange } from './read-inputs.ts'

/** What records of an input gave, folded as `readAll` folds them (signals in input order). */
export interface FoldedRecords {
  records: number
  signals: PodSignal[]
  malformed: number
  /** Drop reasons in the order they first occurred. */
  dropped: Record<string, number>
}

/** One byte range of a JSON-lines input, folded; `newlines` is the number of lines in it. */
export interface RangeResult extends FoldedRecords {
  newlines: number
  /** Malformed lines not told to `onSkip`, numbered within the range. */
  skips: { line: number; reason: string }[]
}

export function emptyFold(): FoldedRecords {
  return { records: 0, signals: [], malformed: 0, dropped: {} }
}

/** Folds one record into `into`; a malformed one goes to `onSkip` with its line and reason. */
export function foldRecord(
  into: FoldedRecords,
  record: InputRecord,
  config: Pick<SloConfig, 'ignoredNamespaceForAudit'>,
  onSkip: (line: number, reason: string) => void,
): void {
  into.records++
  const out = normalizeRecord(record, config)
  // Dropped records, and the fields usable records left out (bad-time, bad-number, …).
  for (const [reason, n] of dropCounts(out)) into.dropped[reason] = (into.dropped[reason] ?? 0) + n
  if (out.ok) {
    for (const signal of out.signals) into.signals.push(signal)
  } else if ('invalid' in out) {
    into.malformed++
    onSkip(record.line, out.invalid)
  }
}

/** Adds `from` to `into`: counts summed, signals after `into`'s, new drop reasons last. */
export function mergeFold(into: FoldedRecords, from: FoldedRecords): void {
  into.records += from.records
  into.malformed += from.malformed
  for (const signal of from.signals) into.signals.push(signal)
  for (const [reason, n] of Object.entries(from.dropped)) {
    into.dropped[reason] = (into.dropped[reason] ?? 0) + n
  }
}

/**
 * Reads and folds bytes `start` to `end` of a plain JSON-lines file (both line starts), with the
 * audit pre-filter of `ignoredNamespaces`. Malformed lines go to `onSkip` when given, else into
 * `skips` (a worker sends them back).
 */
export async function foldRange(
  path: string,
  start: number,
  end: number,
  ignoredNamespaces: ReadonlySet<string>,
  onSkip?: (line: number, reason: string) => void,
): Promise<RangeResult> {
  const result: RangeResult = { ...emptyFold(), newlines: 0, skips: [] }
  const skip = onSkip ?? ((line, reason) => result.skips.push({ line, reason }))
  const config = { ignoredNamespaceForAudit: ignoredNamespaces }
  const count = (chunk: Buffer) => {
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) result.newlines++
  }
  const opts = { prefilter: { ignoredNamespaces } }
  for await (const record of readJsonLinesRange(path, start, end, opts, count)) {
    foldRecord(result, record, config, skip)
  }
  return result
}
