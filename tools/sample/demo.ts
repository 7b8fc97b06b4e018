import { replayChannel } from '../../actors/runtime/channel.ts'
import type { Backends } from '../../actors/runtime/connect.ts'
import type { SloConfig } from '../../config/slo-config.ts'
import { readAll } from '../replay/read-signals.ts'
import { DEFAULT_MAX_GAP_MS } from '../replay/replay.ts'
import { publishReplay, replayMessages } from '../replay/replay-feed.ts'
import { waitForPartitions } from '../replay/replay-wait.ts'

/** What was loaded: the window the signals cover (RFC 3339) and how many signals. */
export interface Loaded {
  signals: number
  from: string
  to: string
}

/**
 * Loads recorded inputs into a running actor host started in replay mode (`startActors` with
 * `replay: true`, channel `shared`): every signal goes through the normal pipeline on the signal
 * clock, pods still in flight at the end become `incomplete`, and the state stays in the store
 * for the query service (and so the UI) to read. Resolves when the actors processed everything.
 */
export async function loadInto(
  backends: Backends,
  inputs: readonly string[],
  config: SloConfig,
  partitions: number,
  timeoutMs = 120_000,
): Promise<Loaded> {
  const { signals } = await readAll(inputs, config, () => {})
  const run = 'shared'
  const { lastSeq } = await publishReplay(
    backends.bus,
    replayChannel(run),
    replayMessages(signals, partitions, DEFAULT_MAX_GAP_MS * 1000, run),
    partitions,
    run,
  )
  await waitForPartitions(backends.store, lastSeq, timeoutMs)
  const first = signals[0]?.time ?? 0
  const last = signals.at(-1)?.time ?? 0
  const iso = (us: number) => new Date(Math.floor(us / 1000)).toISOString()
  // Whole minutes around the data, so the SLO page's window covers every finish time.
  const from = iso(Math.floor(first / 60e6) * 60e6)
  const to = iso((Math.floor(last / 60e6) + 1) * 60e6)
  return { signals: signals.length, from, to }
}

/** The sample shipped with the repository (relative to the working directory). */
export const SAMPLE_FILE = 'examples/sample-cluster.audit.jsonl.gz'

/**
 * `lunettes all --demo`: loads the sample into the running embedded runtime and prints where to
 * look. `port` is the gateway's; the SLO page gets the sample's window in its URL.
 */
export async function runDemo(
  backends: Backends,
  config: SloConfig,
  partitions: number,
  port: number,
  write: (s: string) => void,
): Promise<void> {
  const loaded = await loadInto(backends, [SAMPLE_FILE], config, partitions)
  const base = `http://127.0.0.1:${port}`
  write(
    `demo: loaded ${loaded.signals} signals from ${SAMPLE_FILE}\n` +
      `UI: ${base}/slo?from=${loaded.from}&to=${loaded.to}\n` +
      `CLI: lunettes debugslo --server ${base} --from ${loaded.from} --to ${loaded.to}\n` +
      'Stop with Ctrl-C.\n',
  )
}
