import { randomBytes } from 'node:crypto'
import { createDecider, type Diagnose } from '../../actors/lifecycle/decide.ts'
import { EmbeddedBus } from '../../actors/runtime/bus/embedded-bus.ts'
import { replayChannel } from '../../actors/runtime/channel.ts'
import type { BackendOptions, Backends } from '../../actors/runtime/connect.ts'
import { ActorHost, type HostOptions } from '../../actors/runtime/host/actor-host.ts'
import { MemoryStore } from '../../actors/runtime/store/memory-store.ts'
import type { SloConfig } from '../../config/slo-config.ts'
import type { SloAlert } from '../../protocol/alert.ts'
import type { PodReport } from '../../protocol/pod-report.ts'
import { DEFAULT_PARTITIONS } from '../../protocol/subjects.ts'
import { type InputStats, readAll, type SkippedLine } from './read-signals.ts'
import { collectReports } from './replay-collect.ts'
import { publishReplay, replayMessages } from './replay-feed.ts'
import { waitForPartitions } from './replay-wait.ts'

export type { InputStats, SkippedLine } from './read-signals.ts'

export interface ReplaySummary {
  inputs: InputStats[]
  /** The first malformed lines (at most SKIPPED_KEPT); `malformed` counts them all. */
  skipped: SkippedLine[]
  malformed: number
  signals: number
  /** Observation gaps longer than the max gap (alarms suspended across them). */
  gaps: number
  /** The signal clock at the end of input (epoch µs): reports and diagnoses are as of then. */
  clock: number
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
  /** Called for every malformed line as it is read (the CLI prints each one). */
  onSkip?: (line: SkippedLine) => void
  /** Called for every SLO alert the replay publishes. */
  onAlert?: (alert: SloAlert) => void
  /** NATS / Redis to run on; default: embedded bus and store. */
  backends?: BackendOptions
  /** In-process actor hosts (default 1); 0 = separately started `lunettes actors --replay`. */
  hosts?: number
  partitions?: number
  /** Channel run id; default random (in-process hosts) or `shared` (separate hosts). */
  run?: string
  /** Told which partitions each in-process host owns once they started. */
  onHosts?: (owned: number[][]) => void
  /** Max time to wait for the actors to finish, ms (default 10 min). */
  timeoutMs?: number
  /** Exports each final verdict as a trace (in-process hosts); flushed before the replay returns. */
  exportTrace?: HostOptions['exportTrace']
  /** Flushes the trace exporter once the actors are done (export failures are its to count). */
  flushTraces?: () => Promise<void>
  /** Metrics the in-process hosts record (LIFECYCLE §9 effects and self-metrics). */
  metrics?: HostOptions['metrics']
  /** Actors (and names) each in-process partition keeps in memory (default 10,000). */
  cacheSize?: number
  /**
   * On the embedded bus, hand each message's object to the in-process hosts next to its bytes
   * (default true: no JSON round trip); false: every message goes by its bytes, as over NATS.
   */
  localValues?: boolean
}

/** Default observation gap: 5 minutes without any pod signal. */
export const DEFAULT_MAX_GAP_MS = 5 * 60_000

/**
 * The backends to replay on: without NATS or Redis configured, the embedded bus and store as
 * `openBackends` makes them, without loading the NATS and Redis clients (a replay's start-up).
 */
async function replayBackends(
  opts: BackendOptions,
): Promise<Pick<Backends, 'bus' | 'store' | 'close'>> {
  if (opts.natsUrl || opts.nats || opts.redisUrl || opts.redis) {
    return (await import('../../actors/runtime/connect.ts')).openBackends(opts)
  }
  const limits = opts.limits?.embedded
  const bus = new EmbeddedBus({ dropAcked: true, ...(limits ? { limits } : {}) })
  const store = new MemoryStore(opts.storePrefix ? { prefix: opts.storePrefix } : {})
  return {
    bus,
    store,
    async close() {
      await bus.close()
      await store.close()
    },
  }
}

function count(into: Record<string, number>, key: string): void {
  into[key] = (into[key] ?? 0) + 1
}

/**
 * Replays input files through the actor runtime on the signal clock (LIFECYCLE §8): all inputs
 * merged in signal-time order (stable) and published on a replay channel of the bus, actor hosts
 * fold them (alarms on the global watermark), pods still in flight at the end `incomplete`.
 * Returns the reports sorted by `created` then `uid`; the same bytes whatever the bus, store or
 * number of hosts.
 */
export async function runReplay(opts: ReplayOptions): Promise<{
  reports: PodReport[]
  summary: ReplaySummary
}> {
  const { config, diagnose = () => null, maxGapMs = DEFAULT_MAX_GAP_MS } = opts
  const partitions = opts.partitions ?? DEFAULT_PARTITIONS
  const hostCount = opts.hosts ?? 1
  const run = opts.run ?? (hostCount > 0 ? randomBytes(6).toString('hex') : 'shared')
  const read = await readAll(opts.inputs, config, opts.onSkip ?? (() => {}))
  const { stats, skipped } = read
  // Held only by the message sequence from here: folded signals are garbage once acknowledged.
  const signals = read.signals.length
  const clock = read.signals.at(-1)?.time ?? 0
  const messages = replayMessages(read.signals, partitions, maxGapMs * 1000, run)
  read.signals = []
  const backends = await replayBackends({
    ...opts.backends,
    storePrefix:
      opts.backends?.storePrefix ?? (hostCount > 0 ? `lunettes:replay:${run}:` : undefined),
  })
  const { bus, store } = backends
  const channel = replayChannel(run)
  const decide = createDecider({ config, diagnose, inPlace: true })
  const hosts = Array.from(
    { length: hostCount },
    (_, i) =>
      new ActorHost({
        bus,
        store,
        decide,
        mode: 'replay',
        partitions,
        preferred: Array.from({ length: partitions }, (_, p) => p).filter(
          (p) => p % hostCount === i,
        ),
        hostId: `replay-${run}-${i}`,
        channel,
        ...(opts.exportTrace ? { exportTrace: opts.exportTrace } : {}),
        ...(opts.metrics ? { metrics: opts.metrics } : {}),
        ...(opts.cacheSize === undefined ? {} : { cacheSize: opts.cacheSize }),
      }),
  )
  try {
    const dec = new TextDecoder()
    const alertSub = bus.subscribe(channel.alertWildcard, (_s, data) => {
      opts.onAlert?.(JSON.parse(dec.decode(data)) as SloAlert)
    })
    if (hostCount === 0) {
      const leftovers = (
        await Promise.all(Array.from({ length: partitions }, (_, p) => store.members(p)))
      ).flat()
      if (leftovers.length > 0) {
        throw new Error(
          `replay through separately started actors needs an empty store: found ${leftovers.length} pods (use a fresh LUNETTES_STORE_PREFIX)`,
        )
      }
    }
    await Promise.all(hosts.map((h) => h.start()))
    opts.onHosts?.(hosts.map((h) => h.owned()))
    const { gaps, lastSeq } = await publishReplay(
      bus,
      channel,
      messages,
      partitions,
      run,
      opts.localValues ?? true,
    )
    await waitForPartitions(store, lastSeq, opts.timeoutMs ?? 600_000)
    await Promise.all(hosts.map((h) => h.stop()))
    await opts.flushTraces?.()
    await alertSub.close()
    const reports = await collectReports(store, partitions, config, diagnose, clock)
    const summary: ReplaySummary = {
      inputs: stats,
      skipped,
      malformed: stats.reduce((n, s) => n + s.malformed, 0),
      signals,
      gaps,
      clock,
      pods: reports.length,
      create: {},
      delete: {},
    }
    for (const r of reports) {
      count(summary.create, r.slo.create.result)
      if (r.slo.delete) count(summary.delete, r.slo.delete.result)
    }
    return { reports, summary }
  } finally {
    await Promise.all(hosts.map((h) => h.stop().catch(() => undefined)))
    await backends.close()
  }
}
