import type { SloConfig } from '../../config/slo-config.ts'
import { dropCounts, type PodSignal } from '../../protocol/pod-signal.ts'
import { normalizeRecord } from './normalize-record.ts'
import { readInputFile } from './read-inputs.ts'

/** Per input file: what was read and what became of it. */
export interface InputStats {
  file: string
  records: number
  signals: number
  malformed: number
  dropped: Record<string, number>
}

/** A line replay could not use, with its place and the reason. */
export interface SkippedLine {
  file: string
  line: number
  reason: string
}

/** How many malformed lines the summary keeps in full; the rest are counted. */
export const SKIPPED_KEPT = 1000

/** Reads and normalises every input; the signals come back in signal-time order (stable). */
export async function readAll(
  inputs: readonly string[],
  config: SloConfig,
  onSkip: (line: SkippedLine) => void,
) {
  const signals: PodSignal[] = []
  const stats: InputStats[] = []
  const skipped: SkippedLine[] = []
  for (const file of inputs) {
    const s: InputStats = { file, records: 0, signals: 0, malformed: 0, dropped: {} }
    stats.push(s)
    const prefilter = { ignoredNamespaces: config.ignoredNamespaceForAudit }
    for await (const record of readInputFile(file, { prefilter })) {
      s.records++
      const out = normalizeRecord(record, config)
      // Dropped records, and the fields usable records left out (bad-time, bad-number, …).
      for (const [reason, n] of dropCounts(out)) s.dropped[reason] = (s.dropped[reason] ?? 0) + n
      if (out.ok) {
        s.signals += out.signals.length
        signals.push(...out.signals)
      } else if ('invalid' in out) {
        s.malformed++
        const line = { file, line: record.line, reason: out.invalid }
        if (skipped.length < SKIPPED_KEPT) skipped.push(line)
        onSkip(line)
      }
    }
  }
  // Array sort is stable: signals of the same time keep their input order, with no index pairs.
  signals.sort((a, b) => a.time - b.time)
  return { signals, stats, skipped }
}
