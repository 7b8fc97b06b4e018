import { writeFile } from 'node:fs/promises'
import { setTimeout as sleep } from 'node:timers/promises'
import { createDecider } from '../../../../actors/lifecycle/decide.ts'
import { createDiagnose } from '../../../../actors/lifecycle/diagnosis-hook.ts'
import { serveQueries } from '../../../../actors/query/query-service.ts'
import type { Bus, Subscription } from '../../../../actors/runtime/bus/bus.ts'
import { EmbeddedBus } from '../../../../actors/runtime/bus/embedded-bus.ts'
import { ActorHost, type HostOptions } from '../../../../actors/runtime/host/actor-host.ts'
import { MemoryStore } from '../../../../actors/runtime/store/memory-store.ts'
import type { Store } from '../../../../actors/runtime/store/store.ts'
import { DEFAULT_SLO_CONFIG } from '../../../../config/slo-config.ts'
import { createApp } from '../../../../gateway/app.ts'
import type { SloAlert } from '../../../../protocol/alert.ts'
import type { PodReport } from '../../../../protocol/pod-report.ts'
import { allAlertsSubject, querySubject } from '../../../../protocol/subjects.ts'
import { runReplay } from '../../../../tools/replay/replay.ts'

export const config = DEFAULT_SLO_CONFIG
export const diagnose = createDiagnose(config)
const TOKEN = 'watermark-test-token'
const silent = { info() {}, warn() {}, error() {} }
const enc = new TextEncoder()
const dec = new TextDecoder()

/** A wall clock the test moves (epoch ms), shared by the gateway and the actor host. */
export class TestClock {
  ms: number
  constructor(ms = Date.now()) {
    this.ms = ms
  }
  advance(ms: number): void {
    this.ms += ms
  }
}

/** A live `lunettes all` in one process: webhook app, actor host, query service, one bus. */
export interface LiveRig {
  readonly bus: Bus
  readonly alerts: SloAlert[]
  /** Posts one EventList to the webhook (as `source`, if given); resolves to the HTTP status. */
  post(items: readonly unknown[], source?: string): Promise<number>
  /** Posts a prepared EventList body. */
  postBody(body: string): Promise<number>
  /** debugpod over the bus, or null when the host does not know the pod (yet). */
  report(uid: string): Promise<PodReport | null>
  stop(): Promise<void>
}

/**
 * The embedded runtime with the webhook app on `app.request()`. `clock` (absent: the real wall
 * clock) drives the gateway and the host; `bus` and `store` default to the embedded ones.
 */
export async function liveRig(
  o: {
    clock?: TestClock
    bus?: Bus
    store?: Store
    partitions?: number
    host?: Partial<HostOptions>
  } = {},
): Promise<LiveRig> {
  const partitions = o.partitions ?? 8
  const bus = o.bus ?? new EmbeddedBus({ dropAcked: true })
  const store = o.store ?? new MemoryStore()
  const clock = o.clock
  const nowUs = clock ? () => clock.ms * 1000 : () => Date.now() * 1000
  const host = new ActorHost({
    bus,
    store,
    decide: createDecider({ config, diagnose }),
    mode: 'live',
    partitions,
    hostId: `watermark-${Math.random().toString(36).slice(2)}`,
    ackWaitMs: 30_000,
    now: nowUs,
    ...o.host,
  })
  await host.start()
  const subs: Subscription[] = serveQueries({ bus, store, config, diagnose, now: nowUs })
  const alerts: SloAlert[] = []
  subs.push(
    bus.subscribe(allAlertsSubject, (_s, data) => alerts.push(JSON.parse(dec.decode(data)))),
  )
  const app = createApp({
    bus,
    partitions,
    ignoredNamespaces: config.ignoredNamespaceForAudit,
    webhook: { token: TOKEN },
    log: silent,
    limits: { queryRate: 0 },
    ...(clock ? { now: () => clock.ms } : {}),
  })
  const postBody = async (body: string, source?: string) => {
    const path = source ? `/audit/webhook?source=${source}` : '/audit/webhook'
    const res = await app.request(path, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body,
    })
    await res.body?.cancel()
    return res.status
  }
  return {
    bus,
    alerts,
    post: (items, source) =>
      postBody(
        JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', metadata: {}, items }),
        source,
      ),
    postBody: (body) => postBody(body),
    async report(uid) {
      try {
        const data = enc.encode(JSON.stringify({ uid }))
        const reply = JSON.parse(
          dec.decode(await bus.request(querySubject('debugpod'), data, 5000)),
        )
        return reply && typeof reply === 'object' && 'uid' in reply ? (reply as PodReport) : null
      } catch {
        return null
      }
    },
    async stop() {
      await Promise.all(subs.map((s) => s.close()))
      await host.stop()
      if (!o.bus) await bus.close()
      if (!o.store) await store.close()
    },
  }
}

/** Polls until `ok` holds (or `ms` pass); returns whether it held. */
export async function until(ok: () => Promise<boolean> | boolean, ms = 20_000): Promise<boolean> {
  const end = Date.now() + ms
  for (;;) {
    if (await ok()) return true
    if (Date.now() > end) return false
    await sleep(50)
  }
}

/** Replays `records` (audit Events) from a file; the reports and alerts replay gives. */
export async function replayOf(records: readonly unknown[], file: string) {
  await writeFile(file, records.map((r) => JSON.stringify(r)).join('\n'))
  const alerts: SloAlert[] = []
  const { reports } = await runReplay({
    inputs: [file],
    config,
    diagnose,
    onAlert: (a) => alerts.push(a),
  })
  return { reports, alerts }
}

/** The alert kinds of one pod, sorted: what a test compares between live and replay. */
export function alertKinds(alerts: readonly SloAlert[], uid: string): string[] {
  return alerts
    .filter((a) => a.uid === uid)
    .map((a) => `${a.slo}:${a.kind}`)
    .sort()
}
