import { hostname } from 'node:os'
import { parseArgs } from 'node:util'
import type { Logger } from 'pino'
import type { Registry } from 'prom-client'
import { startConfigReload } from '../config/config-reload.ts'
import { parsePartitions, partitionCount } from '../protocol/subjects.ts'
import { checkHostEnv, hostDurations, metricsMaxNamespaces } from './host-env.ts'
import { createDecider } from './lifecycle/decide.ts'
import { createDiagnose } from './lifecycle/diagnosis-hook.ts'
import { type Health, listenProbes, STARTING } from './probe-server.ts'
import { backendsFromEnv, probeSettings, processLogger, processRegistry } from './process-setup.ts'
import { serveQueries } from './query/query-service.ts'
import { createStreamMonitor, everyInterval } from './runtime/bus/stream-monitor.ts'
import { LIVE_CHANNEL, replayChannel } from './runtime/channel.ts'
import type { Backends } from './runtime/connect.ts'
import { ActorHost } from './runtime/host/actor-host.ts'
import { createTraceExporter } from './telemetry/exporter.ts'
import { createActorMetrics } from './telemetry/metrics.ts'

type Env = Record<string, string | undefined>

export const ACTORS_USAGE = `lunettes actors [options]

Actor host: owns signal partitions (leases in NATS KV, so a standby takes over a dead host's
partitions), folds each pod's signals in its lifecycle actor, persists state in the store, publishes
SLO alerts, and serves debugpod/debugslo/pods queries.

Options:
  --partitions SPEC   partitions to take first, e.g. 0-15 or 0,3,5-7 (default: from the
                      StatefulSet ordinal in HOSTNAME and LUNETTES_REPLICAS, else all)
  --no-standby        never take over other hosts' partitions
  --replay            serve 'lunettes replay --no-actors' (signal clock, the shared replay channel)
  -h, --help          this help

Environment: NATS_URL, REDIS_URL (absent: embedded bus/store), LUNETTES_PARTITIONS (total, 32),
LUNETTES_STORE_PREFIX, LUNETTES_SLO_CONFIG / LUNETTES_SLO_CONFIG_JSON, LUNETTES_LEASE_TTL (10s),
LUNETTES_RETENTION (how long a finished pod's report is kept, 168h), LUNETTES_LIVE_TTL (how long
a pod nothing is heard of, and its index entries, are kept, 720h), LUNETTES_IDLE (an actor unused
this long leaves memory, 5m), LUNETTES_BACKLOG_GRACE (behind a backlog, alarms fire once the
stream is this far past their deadline, 60s),
LUNETTES_METRICS_ADDR (host:port for /metrics, /healthz, /readyz; default 127.0.0.1:9464, or
0.0.0.0:9464 with LUNETTES_METRICS_TOKEN; empty disables), LUNETTES_METRICS_TOKEN(_FILE) (bearer
token /metrics requires), LUNETTES_INSECURE (true: serve /metrics unauthenticated on any address),
LUNETTES_METRICS_MAX_NAMESPACES (namespace label values before 'other', 200), LOG_LEVEL,
LUNETTES_STREAM_MAX_BYTES (signal stream cap: full, publishes are refused; 8GiB, embedded 512MiB),
LUNETTES_ALERTS_MAX_BYTES (1GiB, embedded 64MiB), LUNETTES_STREAM_MAX_MESSAGES,
LUNETTES_STREAM_REPLICAS (1),
NATS_USER/NATS_PASSWORD, NATS_TOKEN, NATS_NKEY, NATS_CREDS, NATS_CA, NATS_CERT/NATS_KEY,
REDIS_USERNAME/REDIS_PASSWORD, REDIS_CA, REDIS_CERT/REDIS_KEY, REDIS_CLUSTER, REDIS_CLUSTER_NODES,
REDIS_SENTINELS, REDIS_SENTINEL_NAME, REDIS_SENTINEL_PASSWORD,
LUNETTES_REPLAY_RUN (with --replay: the replay channel, default 'shared'),
OTEL_EXPORTER_OTLP_ENDPOINT / OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (traces to Jaeger over OTLP/HTTP),
LUNETTES_SPAN_CONFIG / LUNETTES_SPAN_CONFIG_JSON (upstream span config), LUNETTES_JAEGER_UI_URL
(debugpod links the trace).
`

/** Partitions a StatefulSet member takes first: an even share by ordinal. */
export function ordinalShare(host: string, replicas: number, total: number): number[] | undefined {
  const ordinal = Number(/-(\d+)$/.exec(host)?.[1])
  if (!Number.isInteger(ordinal) || replicas < 1 || ordinal >= replicas) return undefined
  return Array.from({ length: total }, (_, p) => p).filter((p) => p % replicas === ordinal)
}

/** What `startActors` needs besides the backends. */
export interface ActorRoleOptions {
  backends: Backends
  env: Env
  log: Logger
  registry: Registry
  /** Partitions to take first (`0-15`); default from env or the StatefulSet ordinal. */
  partitions?: string | undefined
  standby?: boolean
  replay?: boolean
}

/** Starts an actor host and the query service on the given backends. */
export async function startActors(
  o: ActorRoleOptions,
): Promise<{ health(): Health; stop(): Promise<void> }> {
  const { env, log, backends } = o
  const total = partitionCount(env.LUNETTES_PARTITIONS)
  const host = env.HOSTNAME ?? hostname()
  const spec = o.partitions ?? env.LUNETTES_HOST_PARTITIONS
  const preferred = spec
    ? parsePartitions(spec, total)
    : ordinalShare(host, Number(env.LUNETTES_REPLICAS ?? 0), total)
  const reload = startConfigReload({
    env,
    registry: o.registry,
    log: log.child({ component: 'config' }),
  })
  const config = reload.slo
  const { leaseTtlMs, ...tuning } = hostDurations(env)
  const metrics = createActorMetrics(o.registry, { maxNamespaces: metricsMaxNamespaces(env) })
  const channel = o.replay ? replayChannel(env.LUNETTES_REPLAY_RUN ?? 'shared') : LIVE_CHANNEL
  const diagnose = createDiagnose(config)
  const traces = createTraceExporter({
    env,
    config,
    diagnose,
    registry: o.registry,
    log: log.child({ component: 'traces' }),
    ...optional('spanConfig', reload.spanConfig),
  })
  const actorHost = new ActorHost({
    bus: backends.bus,
    store: backends.store,
    decide: createDecider({ config, diagnose, inPlace: true }),
    mode: o.replay ? 'replay' : 'live',
    partitions: total,
    ...(preferred ? { preferred } : {}),
    standby: o.standby ?? true,
    hostId: `${host}-${process.pid}`,
    leaseTtlMs,
    ackWaitMs: Math.max(500, Math.floor(leaseTtlMs / 2)),
    ...tuning,
    channel,
    metrics,
    log: log.child({ component: 'actor-host' }),
    ...optional('exportTrace', traces?.exportTrace),
  })
  const queries = serveQueries({
    bus: backends.bus,
    store: backends.store,
    config,
    diagnose,
    ...(env.LUNETTES_JAEGER_UI_URL ? { jaegerUiUrl: env.LUNETTES_JAEGER_UI_URL } : {}),
  })
  await actorHost.start()
  const monitor = createStreamMonitor({
    stats: backends.stats,
    streams: [channel.stream, channel.alertStream],
    bytes: metrics.streamBytes,
    fill: metrics.streamFill,
    log: log.child({ component: 'streams' }),
    purge: {
      stream: channel.stream,
      consumers: Array.from({ length: total }, (_, p) => ({
        durable: channel.durableOf(p),
        subject: channel.subjectOf(p),
      })),
    },
  })
  const sampling = everyInterval(() => monitor.sample(), STREAM_SAMPLE_MS)
  log.info(
    { bus: backends.where.bus, store: backends.where.store, preferred, total },
    'actor host started',
  )
  return {
    health: () => actorHost.health(),
    async stop() {
      log.info({}, 'stopping actors: draining partitions and releasing leases')
      reload.stop()
      await sampling.stop()
      await actorHost.stop()
      await Promise.all(queries.map((q) => q.close()))
      await traces?.shutdown()
    },
  }
}

/** How often stream fill is sampled (gauges and the ≥ 80 % warning). */
const STREAM_SAMPLE_MS = 15_000

/** `{ [key]: value }` when the value is defined, else `{}` (exact optional properties). */
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V }
}

/** Resolves on SIGTERM or SIGINT. */
export function untilSignal(): Promise<void> {
  return new Promise<void>((resolve) => {
    process.once('SIGTERM', () => resolve())
    process.once('SIGINT', () => resolve())
  })
}

/** `lunettes actors`: runs until SIGTERM/SIGINT; returns the exit code. */
export async function actorsMain(argv: string[], env: Env): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      partitions: { type: 'string' },
      'no-standby': { type: 'boolean', default: false },
      replay: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  })
  if (values.help) {
    process.stdout.write(ACTORS_USAGE)
    return 0
  }
  checkHostEnv(env) // fails fast, before connecting, on a bad setting
  const probes = probeSettings(env)
  const log = processLogger(env)
  for (const warning of probes.warnings) log.warn({ addr: probes.addr }, warning)
  const registry = processRegistry()
  let actors: Awaited<ReturnType<typeof startActors>> | undefined
  // Listen before connecting: a taken port stops the host before it holds any lease.
  const addr = probes.addr
  const server = addr
    ? await listenProbes(
        addr,
        registry,
        () => actors?.health() ?? STARTING,
        (err) => log.error({ err, addr }, 'probe server failed'),
        probes.metricsToken,
      )
    : null
  let backends: Backends
  try {
    backends = await backendsFromEnv(env, log)
  } catch (err: unknown) {
    server?.close()
    throw err
  }
  actors = await startActors({
    backends,
    env,
    log,
    registry,
    partitions: values.partitions,
    standby: !values['no-standby'],
    replay: values.replay,
  })
  await untilSignal()
  await actors.stop()
  server?.close()
  await backends.close()
  return 0
}
