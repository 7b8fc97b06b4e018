import { hostname } from 'node:os'
import { parseArgs } from 'node:util'
import { KubeConfig } from '@kubernetes/client-node'
import type { Logger } from 'pino'
import { loadSloConfig } from '../../config/load.ts'
import { partitionCount } from '../../protocol/subjects.ts'
import { untilSignal } from '../main.ts'
import { serveProbes } from '../probe-server.ts'
import { backendsFromEnv, processLogger, processRegistry } from '../process-setup.ts'
import { ensureChannel, LIVE_CHANNEL } from '../runtime/channel.ts'
import type { Backends } from '../runtime/connect.ts'
import { AuditLogTail } from './audit-tail.ts'
import { CollectorLease } from './collector-lease.ts'
import { KubeWatchCollector } from './kube-watch.ts'

type Env = Record<string, string | undefined>

export const COLLECT_USAGE = `lunettes collect [--audit-log PATH] [--kube [--kubeconfig FILE]]

Collectors publish pod signals on the bus (NATS_URL; embedded when unset, which only makes sense
inside 'lunettes all').

Options:
  --audit-log PATH    follow the API server's audit log (JSON lines; rotation, truncation and a
                      checkpoint in the store survive restarts). Env: LUNETTES_AUDIT_LOG;
                      LUNETTES_AUDIT_CHECKPOINT_KEY (default audit-tail:PATH; one per node)
  --kube              list and watch Pods and Events (managed clusters: no audit access needed).
                      In-cluster config, else --kubeconfig FILE / KUBECONFIG / ~/.kube/config.
                      Env: LUNETTES_KUBE=1
  --kubeconfig FILE   kubeconfig for --kube
  -h, --help          this help

Env: LUNETTES_METRICS_ADDR (host:port for /metrics, /healthz, /readyz; default 0.0.0.0:9464;
empty disables). /readyz answers 200 once the collectors run (a standby waiting for the lease
counts as running), 503 while connecting and stopping.
`

/** Which collectors to run. */
export interface CollectOptions {
  auditLog?: string | undefined
  kube?: boolean
  kubeconfig?: string | undefined
}

/** Parses the collect flags (with env fallbacks). */
export function collectOptions(argv: string[], env: Env): CollectOptions & { help: boolean } {
  const { values } = parseArgs({
    args: argv,
    options: {
      'audit-log': { type: 'string' },
      kube: { type: 'boolean', default: false },
      kubeconfig: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: false,
  })
  const str = (x: unknown) => (typeof x === 'string' ? x : undefined)
  return {
    auditLog: str(values['audit-log']) ?? env.LUNETTES_AUDIT_LOG,
    // A kubeconfig names a cluster to watch: `--kubeconfig FILE` alone implies --kube.
    kube: values.kube === true || env.LUNETTES_KUBE === '1' || str(values.kubeconfig) !== undefined,
    kubeconfig: str(values.kubeconfig) ?? env.KUBECONFIG,
    help: values.help === true,
  }
}

/** Starts the configured collectors; returns how to stop them. */
export async function startCollectors(
  backends: Backends,
  env: Env,
  log: Logger,
  opts: CollectOptions,
): Promise<{ names: string[]; stop(): Promise<void> }> {
  const config = loadSloConfig(env)
  const partitions = partitionCount(env.LUNETTES_PARTITIONS)
  const stops: (() => Promise<void>)[] = []
  const names: string[] = []
  if (opts.auditLog) {
    const tail = new AuditLogTail({
      path: opts.auditLog,
      bus: backends.bus,
      store: backends.store,
      partitions,
      ignoredNamespaces: config.ignoredNamespaceForAudit,
      // One key per node: every control-plane node has its own log at the same path.
      ...(env.LUNETTES_AUDIT_CHECKPOINT_KEY
        ? { checkpointKey: env.LUNETTES_AUDIT_CHECKPOINT_KEY }
        : {}),
      log: log.child({ component: 'audit-tail', path: opts.auditLog }),
    })
    await tail.start()
    stops.push(() => tail.stop())
    names.push('audit-log')
  }
  if (opts.kube) {
    const kubeConfig = new KubeConfig()
    if (opts.kubeconfig) kubeConfig.loadFromFile(opts.kubeconfig)
    else if (env.KUBERNETES_SERVICE_HOST) kubeConfig.loadFromCluster()
    else kubeConfig.loadFromDefault()
    const collector = new KubeWatchCollector({
      kubeConfig,
      bus: backends.bus,
      partitions,
      ignoredNamespaces: config.ignoredNamespaceForAudit,
      log: log.child({ component: 'kube-watch' }),
    })
    // Only one collector lists and watches at a time; the others wait as standbys.
    const lease = new CollectorLease({
      bus: backends.bus,
      name: 'kube',
      holder: `${env.HOSTNAME ?? hostname()}-${process.pid}`,
      log: log.child({ component: 'collector-lease' }),
    })
    const abort = new AbortController()
    const leading = lease.lead(collector, abort.signal)
    stops.push(async () => {
      abort.abort()
      await leading
    })
    names.push('kube')
  }
  return {
    names,
    async stop() {
      for (const stop of stops.reverse()) await stop()
    },
  }
}

/** `lunettes collect`: runs until SIGTERM/SIGINT. */
export async function collectMain(argv: string[], env: Env): Promise<number> {
  const opts = collectOptions(argv, env)
  if (opts.help) {
    process.stdout.write(COLLECT_USAGE)
    return 0
  }
  if (!opts.auditLog && !opts.kube) {
    process.stderr.write(
      `lunettes collect: choose --audit-log PATH and/or --kube\n\n${COLLECT_USAGE}`,
    )
    return 2
  }
  const log = processLogger(env, process.stderr)
  partitionCount(env.LUNETTES_PARTITIONS) // fails fast, before connecting
  // Probes come up first, so a collector stuck connecting is live but not ready.
  let running = false
  const addr = env.LUNETTES_METRICS_ADDR ?? '0.0.0.0:9464'
  const probes = addr
    ? serveProbes(addr, processRegistry(), () => ({
        ready: running,
        live: true,
        lastLeaseRoundMs: null,
      }))
    : null
  probes?.once('listening', () => log.info({ addr: probes.address() }, 'probes listening'))
  const backends = await backendsFromEnv(env, log)
  // Pods start in any order: the collectors make sure their signals have a stream to land in.
  await ensureChannel(backends.bus, LIVE_CHANNEL).catch((err: unknown) => {
    log.warn({ err }, 'could not create the signal stream yet; publishes retry until it exists')
  })
  const collectors = await startCollectors(backends, env, log, opts)
  running = true
  log.info({ collectors: collectors.names }, 'collectors started')
  await untilSignal()
  running = false
  await collectors.stop()
  probes?.close()
  await backends.close()
  return 0
}
