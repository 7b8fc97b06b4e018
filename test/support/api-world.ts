import { randomUUID } from 'node:crypto'
import { createDiagnose } from '../../actors/lifecycle/diagnosis-hook.ts'
import { type QueryServiceOptions, serveQueries } from '../../actors/query/query-service.ts'
import type { Subscription } from '../../actors/runtime/bus/bus.ts'
import { NatsBus } from '../../actors/runtime/bus/nats-bus.ts'
import { RedisStore } from '../../actors/runtime/store/redis-store.ts'
import { DEFAULT_SLO_CONFIG } from '../../config/slo-config.ts'
import { createApp } from '../../gateway/app.ts'
import type { PodReport } from '../../protocol/pod-report.ts'
import { runReplay } from '../../tools/replay/replay.ts'
import { realdata } from './realdata.ts'
import type { TestServer } from './servers.ts'

/** The create results that reach the SLO index (a final verdict). */
export const INDEXED = new Set(['success', 'late', 'failed', 'killed'])

/**
 * The metal real data replayed over NATS + Redis, a query service on what the replay stored, and
 * the gateway app in front of it (asked through `app.request()`, the bus being real NATS).
 */
export async function apiWorld(servers: { nats: TestServer; redis: TestServer }) {
  const base = 'events/openshift-ci-metal-2021-09-14'
  const config = DEFAULT_SLO_CONFIG
  const diagnose = createDiagnose(config)
  const run = randomUUID().slice(0, 8)
  const prefix = `api${run}:`
  const { reports, summary } = await runReplay({
    inputs: [realdata(`${base}.events.jsonl`), realdata(`${base}.pods.jsonl`)],
    config,
    diagnose,
    run,
    backends: { natsUrl: servers.nats.url, redisUrl: servers.redis.url, storePrefix: prefix },
  })
  const bus = await NatsBus.connect(servers.nats.url)
  const store = RedisStore.connect(servers.redis.url, prefix)
  let subs: Subscription[] = []
  const serve = async (extra: Partial<QueryServiceOptions> = {}) => {
    await Promise.all(subs.map((s) => s.close()))
    subs = serveQueries({
      bus,
      store,
      config,
      diagnose,
      now: () => summary.clock,
      queue: `q${run}`,
      jaegerUiUrl: 'http://jaeger.example:16686',
      ...extra,
    })
  }
  await serve()
  const app = createApp({
    bus,
    partitions: 4,
    ignoredNamespaces: new Set(),
    webhook: {},
    limits: { queryRate: 0 },
    log: { info() {}, warn() {}, error() {} },
  })
  const get = async (path: string) => {
    const res = await app.request(path)
    return { status: res.status, body: (await res.json()) as Record<string, unknown> }
  }
  return {
    reports,
    indexed: reports.filter((r) => INDEXED.has(r.slo.create.result)),
    get,
    serve,
    async close() {
      await Promise.all(subs.map((s) => s.close()))
      await bus.close()
      await store.close()
    },
  }
}

/** Nearest rank (the ⌈q·n⌉-th smallest), computed here independently of the service. */
export function rank(values: readonly (number | null)[], q: number): number | null {
  const xs = values.filter((x): x is number => x !== null).sort((a, b) => a - b)
  return xs.length === 0 ? null : (xs[Math.ceil(q * xs.length) - 1] ?? null)
}

/** Counts of reports by a key (null keys left out). */
export function countBy(reports: readonly PodReport[], key: (r: PodReport) => string | null) {
  const out: Record<string, number> = {}
  for (const r of reports) {
    const k = key(r)
    if (k !== null) out[k] = (out[k] ?? 0) + 1
  }
  return out
}
