import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createDiagnose } from '../../actors/lifecycle/diagnosis-hook.ts'
import { DEFAULT_SLO_CONFIG } from '../../config/slo-config.ts'
import { normalizeAuditEvent } from '../../protocol/normalize-audit.ts'
import { auditLines, eventLists, generateAudit } from '../loadgen/cluster.ts'
import { runReplay } from '../replay/replay.ts'
import { pacedLatency } from './latency-leg.ts'
import { type BenchProcess, freePort, lunettes, natsServer, redisServer, rssMB } from './procs.ts'
import { histogramQuantile, type Sample, scrape, sum } from './scrape.ts'
import { postBatches, waitFolded } from './webhook-load.ts'

/** The audit-pipeline figures of one run (records/s unless named otherwise). */
export interface AuditFigures {
  pods: number
  records: number
  relevantRecords: number
  signals: number
  limitAuditEventsPerSec: number
  replayInProcessAuditEventsPerSec: number
  replayInProcessPeakRssMB: number
  embeddedAuditEventsPerSec: number
  embeddedRssMB: number
  distributedAuditEventsPerSec: number
  /** At a steady offered load of `latencyOfferedAuditEventsPerSec` (half the distributed rate). */
  p99AcceptToPersistedMs: number
  p50AcceptToPersistedMs: number
  latencyOfferedAuditEventsPerSec: number
  /** Of the saturating distributed run (queueing included). */
  p99AtSaturationMs: number
  webhookRetries: number
}

const TOKEN = 'bench-webhook-token'
const AUTH_ENV = {
  LUNETTES_WEBHOOK_TOKEN: TOKEN,
  LUNETTES_API_TOKEN: 'bench-api-token',
  LUNETTES_METRICS_TOKEN: 'bench-metrics-token',
}
const METRICS_HEADERS = { authorization: `Bearer ${AUTH_ENV.LUNETTES_METRICS_TOKEN}` }

/** Signals folded so far by the hosts whose /metrics are at `urls`. */
async function folded(urls: readonly string[]): Promise<number> {
  const all: Sample[] = (await Promise.all(urls.map((u) => scrape(u, METRICS_HEADERS)))).flat()
  return sum(all, 'lunettes_signals_total', { outcome: 'applied' })
}

async function hostSamples(urls: readonly string[]): Promise<Sample[]> {
  return (await Promise.all(urls.map((u) => scrape(u, METRICS_HEADERS)))).flat()
}

async function pipelineLatencyP99(urls: readonly string[]): Promise<number> {
  const all = await hostSamples(urls)
  return Math.round(histogramQuantile(all, 'lunettes_pipeline_latency_seconds', 0.99) * 1000)
}

/**
 * Posts `bodies` to a webhook and waits until the hosts have folded `signals`; returns records/s
 * from the first byte posted to the last signal folded (the state is persisted before it counts).
 */
async function throughWebhook(
  webhook: string,
  hostMetrics: readonly string[],
  bodies: readonly string[],
  records: number,
  signals: number,
): Promise<{ perSec: number; retries: number }> {
  const posted = await postBatches(webhook, bodies, { concurrency: 4, token: TOKEN })
  const done = await waitFolded(() => folded(hostMetrics), signals)
  const retries = Object.values(posted.retried).reduce((a, b) => a + b, 0)
  return { perSec: Math.round(records / ((done - posted.started) / 1000)), retries }
}

/** The audit pipeline on `pods` synthetic pods: the parse limit, replay, embedded, distributed. */
export async function auditBench(dir: string, pods: number): Promise<AuditFigures> {
  const g = generateAudit({ pods, seed: 11 })
  const lines = auditLines(g)
  const file = join(dir, 'cluster.audit.jsonl')
  await writeFile(file, `${lines.join('\n')}\n`)
  const bodies = eventLists(g)

  // The limit: JSON.parse of every line, the least any pipeline of these bytes must do.
  let t = performance.now()
  let parsed = 0
  for (const line of lines) parsed += JSON.parse(line) ? 1 : 0
  const limit = Math.round(parsed / ((performance.now() - t) / 1000))

  let signals = 0
  for (const line of lines) {
    const out = normalizeAuditEvent(JSON.parse(line), { ignoredNamespaces: new Set<string>() })
    if (out.ok) signals += out.signals.length
  }

  let peak = 0
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss)
  }, 20)
  t = performance.now()
  const config = DEFAULT_SLO_CONFIG
  await runReplay({ inputs: [file], config, diagnose: createDiagnose(config) })
  const replay = Math.round(lines.length / ((performance.now() - t) / 1000))
  clearInterval(sampler)

  const procs: BenchProcess[] = []
  const stopAll = () => Promise.all(procs.splice(0).map((p) => p.stop()))
  try {
    const port = await freePort()
    const base = `http://127.0.0.1:${port}`
    procs.push(
      await lunettes(
        'all',
        ['all'],
        { ...AUTH_ENV, LUNETTES_HTTP_ADDR: `127.0.0.1:${port}` },
        `${base}/readyz`,
      ),
    )
    const embedded = await throughWebhook(
      `${base}/audit/webhook`,
      [`${base}/metrics`],
      bodies,
      lines.length,
      signals,
    )
    const embeddedRss = await rssMB(procs[0]?.child.pid)
    await stopAll()

    const nats = await natsServer()
    const redis = await redisServer()
    try {
      const env = { ...AUTH_ENV, NATS_URL: nats.url, REDIS_URL: redis.url }
      const hostMetrics: string[] = []
      for (const [i, parts] of ['0-15', '16-31'].entries()) {
        const mport = await freePort()
        hostMetrics.push(`http://127.0.0.1:${mport}/metrics`)
        procs.push(
          await lunettes(
            `actors-${i}`,
            ['actors', '--partitions', parts, '--no-standby'],
            { ...env, LUNETTES_METRICS_ADDR: `127.0.0.1:${mport}` },
            `http://127.0.0.1:${mport}/readyz`,
          ),
        )
      }
      const gport = await freePort()
      const gw = `http://127.0.0.1:${gport}`
      procs.push(
        await lunettes(
          'gateway',
          ['gateway'],
          { ...env, LUNETTES_HTTP_ADDR: `127.0.0.1:${gport}` },
          `${gw}/readyz`,
        ),
      )
      const distributed = await throughWebhook(
        `${gw}/audit/webhook`,
        hostMetrics,
        bodies,
        lines.length,
        signals,
      )
      const p99 = await pipelineLatencyP99(hostMetrics)
      // Latency at a steady load (half the rate just measured), not of a saturating burst.
      const paced = await pacedLatency(
        `${gw}/audit/webhook`,
        TOKEN,
        () => hostSamples(hostMetrics),
        {
          pods: Math.max(100, Math.round(pods / 3)),
          seed: 12,
          recordsPerSec: distributed.perSec / 2,
        },
      )
      await stopAll()
      return {
        pods,
        records: lines.length,
        relevantRecords: g.relevant,
        signals,
        limitAuditEventsPerSec: limit,
        replayInProcessAuditEventsPerSec: replay,
        replayInProcessPeakRssMB: Math.round(peak / 1e6),
        embeddedAuditEventsPerSec: embedded.perSec,
        embeddedRssMB: embeddedRss,
        distributedAuditEventsPerSec: distributed.perSec,
        p99AcceptToPersistedMs: paced.p99Ms,
        p50AcceptToPersistedMs: paced.p50Ms,
        latencyOfferedAuditEventsPerSec: paced.recordsPerSec,
        p99AtSaturationMs: p99,
        webhookRetries: embedded.retries + distributed.retries,
      }
    } finally {
      await stopAll()
      await nats.stop()
      await redis.stop()
    }
  } finally {
    await stopAll()
  }
}
