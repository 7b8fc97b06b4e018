import { setTimeout as sleep } from 'node:timers/promises'
import { Redis } from 'ioredis'
import { NatsBus } from '../../actors/runtime/bus/nats-bus.ts'
import { alertSubject, type SloAlert } from '../../protocol/alert.ts'
import { batchMessages } from '../../protocol/envelope-batch.ts'
import { normalizeAuditEvent } from '../../protocol/normalize-audit.ts'
import type { PodSignal } from '../../protocol/pod-signal.ts'
import { simulatePods } from '../loadgen/cluster.ts'
import { type BenchProcess, freePort, lunettes, natsServer, redisServer, rssMB } from './procs.ts'
import { scrape, sum } from './scrape.ts'
import { waitFolded } from './webhook-load.ts'

/** Figures of the scale run: one actor host holding many pods, then alerts at that load. */
export interface ScaleFigures {
  trackedPods: number
  scaleSignals: number
  scaleSignalsPerSec: number
  actorsLiveAfterIdle: number
  actorHostRssMB: number
  alertLatencyP50Ms: number
  alertLatencyP99Ms: number
  alertsMeasured: number
}

const PARTITIONS = 32
/**
 * The host's V8 heap cap, as a deployment with a 300 MB memory limit sets it (NODE_OPTIONS):
 * the live heap of a host tracking 150k mostly passivated pods is far below it, but without a
 * cap V8 lets the heap grow with the allocation rate of the load and keeps the pages.
 */
const HOST_HEAP_MB = 192
/** Signals a 400-record webhook batch normalises to at 70% noise. */
const WEBHOOK_BATCH_SIGNALS = 120
const ALERT_PREFIX = 'bench-alert'
/** `simulatePods` names namespaces `<prefix>-<i>`: with one namespace, this one. */
const ALERT_NS = `${ALERT_PREFIX}-0`
const METRICS_TOKEN = 'bench-metrics-token'
const HEADERS = { authorization: `Bearer ${METRICS_TOKEN}` }

function signalsOf(records: readonly { record: unknown }[]): PodSignal[] {
  const out: PodSignal[] = []
  for (const r of records) {
    const n = normalizeAuditEvent(r.record, { ignoredNamespaces: new Set<string>() })
    if (n.ok) out.push(...n.signals)
  }
  return out
}

async function countPods(url: string): Promise<number> {
  const redis = new Redis(url)
  let n = 0
  let cursor = '0'
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', 'lunettes:pod:*', 'COUNT', 10_000)
    cursor = next
    n += keys.length
  } while (cursor !== '0')
  await redis.quit()
  return n
}

const quantile = (xs: number[], q: number) =>
  xs.length === 0
    ? Number.NaN
    : ([...xs].sort((a, b) => a - b)[Math.floor(q * (xs.length - 1))] ?? 0)

/**
 * Loads `pods` synthetic pods (their audit records normalised here and published straight onto
 * the signal stream) into ONE actor host on NATS + Redis, waits for idle actors to passivate and
 * reads the host's RSS; then creates `alertPods` pods that never start in a namespace with a 5 s
 * create SLO and measures when each `violated` alert arrives after its deadline.
 */
export async function scaleBench(pods: number, alertPods: number): Promise<ScaleFigures> {
  const nats = await natsServer()
  const redis = await redisServer()
  let host: BenchProcess | undefined
  const bus = await NatsBus.connect(nats.url)
  try {
    const mport = await freePort()
    const metrics = `http://127.0.0.1:${mport}/metrics`
    host = await lunettes(
      'actors',
      ['actors', '--partitions', `0-${PARTITIONS - 1}`, '--no-standby'],
      {
        NATS_URL: nats.url,
        REDIS_URL: redis.url,
        LUNETTES_METRICS_ADDR: `127.0.0.1:${mport}`,
        LUNETTES_METRICS_TOKEN: METRICS_TOKEN,
        LUNETTES_IDLE: '10s',
        LUNETTES_SLO_CONFIG_JSON: JSON.stringify({ UserOnlineConfigMap: { [ALERT_NS]: '5s' } }),
      },
      `http://127.0.0.1:${mport}/readyz`,
      {},
      [`--max-old-space-size=${HOST_HEAP_MB}`],
    )
    const applied = async () =>
      sum(await scrape(metrics, HEADERS), 'lunettes_signals_total', { outcome: 'applied' })

    let published = 0
    let chunk: PodSignal[] = []
    const flush = async () => {
      await bus.publish(batchMessages(chunk, PARTITIONS))
      published += chunk.length
      chunk = []
    }
    const started = performance.now()
    const startMs = Date.now() - 6 * 3600_000
    for (const pod of simulatePods({ pods, seed: 23, startMs, spacingMs: 20, namespaces: 50 })) {
      chunk.push(...signalsOf(pod.records))
      // What one webhook EventList of 400 records (70% noise) carries, published as the gateway
      // publishes it: a batch message per partition.
      if (chunk.length >= WEBHOOK_BATCH_SIGNALS) await flush()
    }
    await flush()
    const done = await waitFolded(applied, published, 1_800_000)
    const perSec = Math.round(published / ((done - started) / 1000))

    // Passivation: idle actors leave memory after LUNETTES_IDLE; give it up to a minute.
    let live = Number.POSITIVE_INFINITY
    for (let i = 0; i < 60 && live > pods * 0.05; i++) {
      await sleep(1000)
      live = sum(await scrape(metrics, HEADERS), 'lunettes_actors_live')
    }
    const rss = await rssMB(host.child.pid)
    const tracked = await countPods(redis.url)

    const latencies: number[] = []
    const sub = bus.subscribe(alertSubject(ALERT_NS), (_s, data) => {
      const alert = JSON.parse(new TextDecoder().decode(data)) as SloAlert
      if (alert.kind !== 'violated' || alert.deadline === null) return
      latencies.push(Date.now() - Date.parse(alert.deadline))
    })
    const t0 = Date.now()
    for (const pod of simulatePods({
      pods: alertPods,
      seed: 29,
      startMs: t0,
      spacingMs: 10_000 / Math.max(alertPods, 1),
      namespaces: 1,
      namespacePrefix: ALERT_PREFIX,
      mix: [['crashLoop', 1]],
    })) {
      // Only the create reaches the bus: the pod never starts, so its 5 s deadline passes.
      const created = signalsOf(pod.records.slice(0, 1))
      const wait = pod.records[0] ? pod.records[0].at / 1000 - Date.now() : 0
      if (wait > 0) await sleep(wait)
      await bus.publish(batchMessages(created, PARTITIONS))
    }
    const deadline = Date.now() + 20_000
    while (latencies.length < alertPods && Date.now() < deadline) await sleep(100)
    await sub.close()
    return {
      trackedPods: tracked,
      scaleSignals: published,
      scaleSignalsPerSec: perSec,
      actorsLiveAfterIdle: live,
      actorHostRssMB: rss,
      alertLatencyP50Ms: quantile(latencies, 0.5),
      alertLatencyP99Ms: quantile(latencies, 0.99),
      alertsMeasured: latencies.length,
    }
  } finally {
    await bus.close()
    await host?.stop()
    await nats.stop()
    await redis.stop()
  }
}
