import { pino } from 'pino'
import { Registry } from 'prom-client'
import { startActors } from '../../actors/main.ts'
import { replayChannel } from '../../actors/runtime/channel.ts'
import { openBackends } from '../../actors/runtime/connect.ts'
import { DEFAULT_SLO_CONFIG } from '../../config/slo-config.ts'
import { startGateway } from '../../gateway/main.ts'
import { type Loaded, loadInto } from '../../tools/sample/demo.ts'

/** A gateway on a free localhost port over the embedded runtime, loaded with recorded inputs. */
export interface UiServer {
  url: string
  loaded: Loaded
  close(): Promise<void>
}

const PARTITIONS = 4

/**
 * Starts what `lunettes all --demo` starts, in-process: embedded bus and store, an actor host in
 * replay mode with the query service, the inputs replayed into it, and the gateway on
 * 127.0.0.1:0 (so browser tests talk to localhost only).
 */
export async function startUiServer(
  inputs: readonly string[],
  env: Record<string, string> = {},
): Promise<UiServer> {
  const backends = await openBackends({})
  const registry = new Registry()
  const log = pino({ level: process.env.LUNETTES_TEST_LOG_LEVEL ?? 'silent' })
  const actors = await startActors({
    backends,
    env: { LUNETTES_PARTITIONS: String(PARTITIONS), ...env },
    log,
    registry,
    replay: true,
  })
  const channel = replayChannel(env.LUNETTES_REPLAY_RUN ?? 'shared')
  const loaded = await loadInto(backends, inputs, DEFAULT_SLO_CONFIG, PARTITIONS)
  const gateway = await startGateway({
    addr: '127.0.0.1:0',
    bus: backends.bus,
    partitions: PARTITIONS,
    ignoredNamespaces: new Set(),
    webhook: { maxBodyBytes: 1 << 20 },
    // As `lunettes all --demo`: the alert stream of the replay channel the actors publish to.
    alerts: {
      stream: channel.alertStream,
      subjectOf: (ns) => (ns ? channel.alertSubjectOf(ns) : channel.alertWildcard),
    },
    registry,
    log,
  })
  return {
    url: `http://127.0.0.1:${gateway.port}`,
    loaded,
    async close() {
      await gateway.close()
      await actors.stop()
      await backends.close()
    },
  }
}
