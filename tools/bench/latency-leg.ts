import { normalizeAuditEvent } from '../../protocol/normalize-audit.ts'
import { eventLists, generateAudit } from '../loadgen/cluster.ts'
import { delta, histogramQuantile, type Sample, sum } from './scrape.ts'
import { postPaced, waitFolded } from './webhook-load.ts'

/** Accept → persisted latency at a steady offered load. */
export interface PacedLatency {
  /** Offered load, audit records per second. */
  readonly recordsPerSec: number
  readonly p50Ms: number
  readonly p99Ms: number
}

const LATENCY = 'lunettes_pipeline_latency_seconds'

/**
 * Posts another seeded cluster's audit stream (`pods` pods, new UIDs) to `webhook` at
 * `recordsPerSec`, waits until the hosts folded it, and reads the latency histogram of just those
 * signals (the hosts' histograms after less before).
 */
export async function pacedLatency(
  webhook: string,
  token: string,
  hosts: () => Promise<Sample[]>,
  opts: { pods: number; seed: number; recordsPerSec: number },
): Promise<PacedLatency> {
  const g = generateAudit({ pods: opts.pods, seed: opts.seed })
  const bodies = eventLists(g)
  let signals = 0
  for (const { record } of g.records) {
    const n = normalizeAuditEvent(record, { ignoredNamespaces: new Set<string>() })
    if (n.ok) signals += n.signals.length
  }
  const before = await hosts()
  const applied = (s: readonly Sample[]) => sum(s, 'lunettes_signals_total', { outcome: 'applied' })
  const base = applied(before)
  const perBody = g.records.length / bodies.length
  await postPaced(webhook, bodies, opts.recordsPerSec / perBody, token)
  await waitFolded(async () => applied(await hosts()), base + signals)
  const seen = delta(await hosts(), before)
  const ms = (q: number) => Math.round(histogramQuantile(seen, LATENCY, q) * 1000)
  return { recordsPerSec: Math.round(opts.recordsPerSec), p50Ms: ms(0.5), p99Ms: ms(0.99) }
}
