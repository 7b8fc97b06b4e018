import { createDecider, type Diagnose, type Effect } from '../../actors/lifecycle/decide.ts'
import type { PodState } from '../../actors/lifecycle/pod-state.ts'
import { toReport } from '../../actors/lifecycle/report.ts'
import { closeSlos } from '../../actors/lifecycle/slo.ts'
import { LocalHost } from '../../actors/runtime/local-host.ts'
import type { SloConfig } from '../../config/slo-config.ts'
import type { PodReport } from '../../protocol/pod-report.ts'
import type { PodSignal } from '../../protocol/pod-signal.ts'
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

export interface ReplaySummary {
  inputs: InputStats[]
  /** The first malformed lines (at most SKIPPED_KEPT); `malformed` counts them all. */
  skipped: SkippedLine[]
  malformed: number
  signals: number
  duplicates: number
  unresolved: number
  merged: number
  suspendedAlarms: number
  pods: number
  create: Record<string, number>
  delete: Record<string, number>
}

export interface ReplayOptions {
  inputs: readonly string[]
  config: SloConfig
  diagnose?: Diagnose
  /**
   * Silence in the input longer than this (ms) is a gap in observation, not proof that nothing
   * happened: SLO alarms due inside a gap do not fire; each such pod is judged on its next signal.
   */
  maxGapMs?: number
  onEffect?: (effect: Effect, state: PodState) => void
  /** Called for every malformed line as it is read (the CLI prints each one). */
  onSkip?: (line: SkippedLine) => void
}

/** How many malformed lines the summary keeps in full; the rest are counted. */
export const SKIPPED_KEPT = 1000

/** Default observation gap: 5 minutes without any pod signal. */
export const DEFAULT_MAX_GAP_MS = 5 * 60_000

async function readAll(
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
    for await (const record of readInputFile(file)) {
      s.records++
      const out = normalizeRecord(record, config)
      if (out.ok) {
        s.signals += out.signals.length
        signals.push(...out.signals)
      } else if ('invalid' in out) {
        s.malformed++
        const line = { file, line: record.line, reason: out.invalid }
        if (skipped.length < SKIPPED_KEPT) skipped.push(line)
        onSkip(line)
      } else {
        s.dropped[out.dropped] = (s.dropped[out.dropped] ?? 0) + 1
      }
    }
  }
  return { signals, stats, skipped }
}

function count(into: Record<string, number>, key: string): void {
  into[key] = (into[key] ?? 0) + 1
}

/**
 * Replays input files through the lifecycle actors on the signal clock (LIFECYCLE §8): all inputs
 * merged in signal-time order (stable), alarms driven by the global watermark, pods still in flight
 * at the end `incomplete`. Returns the reports sorted by `created` then `uid`.
 */
export async function runReplay(opts: ReplayOptions): Promise<{
  reports: PodReport[]
  summary: ReplaySummary
}> {
  const { config, diagnose = () => null, maxGapMs = DEFAULT_MAX_GAP_MS } = opts
  const { signals, stats, skipped } = await readAll(opts.inputs, config, opts.onSkip ?? (() => {}))
  const order = signals.map((sig, i) => ({ sig, i }))
  order.sort((a, b) => a.sig.time - b.sig.time || a.i - b.i)
  const host = new LocalHost({
    decide: createDecider({ config, diagnose }),
    ...(opts.onEffect ? { onEffect: opts.onEffect } : {}),
  })
  let watermark = Number.NEGATIVE_INFINITY
  let suspended = 0
  for (const { sig } of order) {
    if (sig.time - watermark > maxGapMs * 1000 && watermark !== Number.NEGATIVE_INFINITY) {
      suspended += host.suspendAlarms(sig.time)
    }
    watermark = Math.max(watermark, sig.time)
    host.fireAlarms(watermark)
    host.handle(sig, watermark)
  }
  const reports: { created: number; report: PodReport }[] = []
  const summary: ReplaySummary = {
    inputs: stats,
    skipped,
    malformed: stats.reduce((n, s) => n + s.malformed, 0),
    signals: signals.length,
    duplicates: host.stats.duplicates,
    unresolved: host.unresolved().length,
    merged: host.stats.merged,
    suspendedAlarms: suspended,
    pods: 0,
    create: {},
    delete: {},
  }
  for (const state of host.actors.values()) {
    closeSlos(state)
    const diagnosis = diagnose(state, watermark, state.slo.create.result)
    const report = toReport(state, config, diagnosis)
    const sortTime = state.ms.created?.t ?? state.createFailure?.t ?? Number.POSITIVE_INFINITY
    reports.push({ created: sortTime, report })
    count(summary.create, report.slo.create.result)
    if (report.slo.delete) count(summary.delete, report.slo.delete.result)
  }
  reports.sort(
    (a, b) =>
      a.created - b.created ||
      (a.report.uid < b.report.uid ? -1 : a.report.uid > b.report.uid ? 1 : 0),
  )
  summary.pods = reports.length
  return { reports: reports.map((r) => r.report), summary }
}
