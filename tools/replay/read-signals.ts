import type { SloConfig } from '../../config/slo-config.ts'
import type { PodSignal } from '../../protocol/pod-signal.ts'
import { readInputFile } from './read-inputs.ts'
import { foldSplit, PARALLEL_MIN_BYTES, splitPoint } from './read-parallel.ts'
import { emptyFold, type FoldedRecords, foldRecord } from './read-range.ts'

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

export interface ReadAllOptions {
  /** Plain JSON-lines files from this size up are read by two threads (default 64 MiB). */
  parallelMinBytes?: number
}

/**
 * Reads and normalises every input; the signals come back in signal-time order (stable: equal
 * times keep the order of the inputs and of their lines). A large plain JSON-lines file is read
 * by two threads (`foldSplit`), with the same result.
 */
export async function readAll(
  inputs: readonly string[],
  config: SloConfig,
  onSkip: (line: SkippedLine) => void,
  opts: ReadAllOptions = {},
) {
  const signals: PodSignal[] = []
  const stats: InputStats[] = []
  const skipped: SkippedLine[] = []
  const ignored = config.ignoredNamespaceForAudit
  for (const file of inputs) {
    const skip = (line: number, reason: string) => {
      const at = { file, line, reason }
      if (skipped.length < SKIPPED_KEPT) skipped.push(at)
      onSkip(at)
    }
    const at = await splitPoint(file, opts.parallelMinBytes ?? PARALLEL_MIN_BYTES)
    let folded: FoldedRecords
    if (at === null) {
      folded = emptyFold()
      const prefilter = { ignoredNamespaces: ignored }
      for await (const record of readInputFile(file, { prefilter })) {
        foldRecord(folded, record, config, skip)
      }
    } else {
      folded = await foldSplit(file, at, ignored, skip)
    }
    const { records, malformed, dropped } = folded
    stats.push({ file, records, signals: folded.signals.length, malformed, dropped })
    for (const signal of folded.signals) signals.push(signal)
  }
  // Array sort is stable: signals of the same time keep their input order, with no index pairs.
  signals.sort((a, b) => a.time - b.time)
  return { signals, stats, skipped }
}
