import { parseArgs } from 'node:util'
import type { Logger } from 'pino'
import type { Registry } from 'prom-client'
import { collectOptions, startCollectors } from '../actors/collectors/main.ts'
import { checkHostEnv } from '../actors/host-env.ts'
import { startActors, untilSignal } from '../actors/main.ts'
import { backendsFromEnv, processLogger, processRegistry } from '../actors/process-setup.ts'
import {
  ensureChannel,
  LIVE_CHANNEL,
  replayChannel,
  type SignalChannel,
} from '../actors/runtime/channel.ts'
import type { Backends } from '../actors/runtime/connect.ts'
import { loadSloConfig } from '../config/load.ts'
import { busReady } from '../gateway/bus-ready.ts'
import { type GatewaySettings, gatewayConfigFromEnv, startGateway } from '../gateway/main.ts'
import { partitionCount } from '../protocol/subjects.ts'

type Env = Record<string, string | undefined>

async function gateway(
  settings: GatewaySettings,
  backends: Backends,
  env: Env,
  log: Logger,
  registry: Registry,
  channel: SignalChannel = LIVE_CHANNEL,
) {
  const config = loadSloConfig(env)
  const running = await startGateway({
    ...settings,
    bus: backends.bus,
    // The alert stream reads the stream the actor hosts publish to (the replay channel's in --demo).
    alerts: {
      stream: channel.alertStream,
      subjectOf: (ns) => (ns ? channel.alertSubjectOf(ns) : channel.alertWildcard),
    },
    partitions: partitionCount(env.LUNETTES_PARTITIONS),
    ignoredNamespaces: config.ignoredNamespaceForAudit,
    registry,
    // /readyz is 503 while the bus is away, so the webhook's Service routes around this replica.
    ready: busReady(backends.bus),
    log: log.child({ component: 'gateway' }),
  })
  log.info({ port: running.port }, 'gateway listening')
  return running
}

/** `lunettes gateway`: the HTTP gateway alone (NATS_URL: where the actor hosts are). */
export async function gatewayMain(argv: string[], env: Env): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(
      'lunettes gateway\n\nPOST /audit/webhook, GET /api/v1/debugpod, /api/v1/debugslo, /api/v1/pods, /api/v1/alerts/stream,\n/openapi.json, the web UI, /healthz, /readyz, /metrics.\n' +
        'Env: NATS_URL, LUNETTES_HTTP_ADDR (127.0.0.1:8080; 0.0.0.0:8080 once every surface is authenticated),\n' +
        'LUNETTES_WEBHOOK_TOKEN(_FILE), LUNETTES_CLIENT_CA + LUNETTES_CLIENT_NAMES (mTLS allow-list),\n' +
        'LUNETTES_API_TOKEN(_FILE) (comma-separated read tokens), LUNETTES_API_AUTH=kubernetes (TokenReview +\n' +
        'SubjectAccessReview, LUNETTES_API_AUTH_TTL 30s), LUNETTES_METRICS_TOKEN(_FILE), LUNETTES_INSECURE,\n' +
        'LUNETTES_WEBHOOK_MAX_BYTES, LUNETTES_TLS_CERT, LUNETTES_TLS_KEY, LUNETTES_PARTITIONS,\n' +
        'LUNETTES_HTTP_HEADERS_TIMEOUT, LUNETTES_HTTP_REQUEST_TIMEOUT, LUNETTES_HTTP_MAX_CONNECTIONS,\n' +
        'LUNETTES_WEBHOOK_MAX_INFLIGHT, LUNETTES_QUERY_MAX_INFLIGHT, LUNETTES_QUERY_RATE.\n',
    )
    return 0
  }
  partitionCount(env.LUNETTES_PARTITIONS) // fails fast, before connecting
  const settings = gatewayConfigFromEnv(env)
  const log = processLogger(env, process.stderr)
  const backends = await backendsFromEnv(env, log)
  // Pods start in any order: the gateway makes sure its signals have a stream to land in.
  await ensureChannel(backends.bus, LIVE_CHANNEL).catch((err: unknown) => {
    log.warn({ err }, 'could not create the signal stream yet; webhook answers 503 until it exists')
  })
  const running = await gateway(settings, backends, env, log, processRegistry())
  await untilSignal()
  await running.close()
  await backends.close()
  return 0
}

/**
 * `lunettes all`: every role in one process (the default of `npm start`): actor hosts with the
 * query service, the gateway (which also serves /metrics), and the collectors asked for; embedded
 * bus and store unless NATS_URL / REDIS_URL are set.
 */
export async function allMain(argv: string[], env: Env): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { help: { type: 'boolean', short: 'h' }, demo: { type: 'boolean' } },
    strict: false,
  })
  if (values.help) {
    process.stdout.write(
      'lunettes all [--audit-log PATH] [--kube [--kubeconfig FILE]] [--demo]\n\nActor hosts, query service, gateway and collectors in one process.\n' +
        '--demo: load examples/sample-cluster.audit.jsonl.gz (signal clock) and print the UI address.\n',
    )
    return 0
  }
  checkHostEnv(env) // fails fast, before connecting, on a bad setting
  const settings = gatewayConfigFromEnv(env) // refuses an open gateway on the network
  const log = processLogger(env, process.stderr)
  const backends = await backendsFromEnv(env, log)
  const registry = processRegistry()
  const actors = await startActors({ backends, env, log, registry, replay: values.demo === true })
  const channel = values.demo ? replayChannel(env.LUNETTES_REPLAY_RUN ?? 'shared') : LIVE_CHANNEL
  const http = await gateway(settings, backends, env, log, registry, channel)
  if (values.demo) {
    const { runDemo } = await import('./sample/demo.ts')
    const parts = partitionCount(env.LUNETTES_PARTITIONS)
    await runDemo(backends, loadSloConfig(env), parts, http.port, (s) => process.stdout.write(s))
  }
  const collectors = await startCollectors(backends, env, log, collectOptions(argv, env))
  log.info(
    { collectors: collectors.names, bus: backends.kind.bus, store: backends.kind.store },
    'lunettes all running',
  )
  await untilSignal()
  await collectors.stop()
  await http.close()
  await actors.stop()
  await backends.close()
  return 0
}
