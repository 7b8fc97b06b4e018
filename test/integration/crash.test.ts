import assert from 'node:assert/strict'
import type { ChildProcess } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { connect } from '@nats-io/transport-node'
import { createDiagnose } from '../../actors/lifecycle/diagnosis-hook.ts'
import { NatsBus } from '../../actors/runtime/bus/nats-bus.ts'
import { replayChannel } from '../../actors/runtime/channel.ts'
import { DEFAULT_SLO_CONFIG } from '../../config/slo-config.ts'
import type { PodReport } from '../../protocol/pod-report.ts'
import { syntheticCluster } from '../../tools/loadgen/watch-stream.ts'
import { runReplay } from '../../tools/replay/replay.ts'
import { leasesHeld, readStream, spawnActors, stopChild } from '../support/hosts.ts'
import { dispose, startNats, startRedis, type TestServer } from '../support/servers.ts'

let nats: TestServer | undefined
let redis: TestServer | undefined
let dir = ''
let input = ''
let baseline: { reports: PodReport[]; alerts: Set<string> } = { reports: [], alerts: new Set() }
const config = DEFAULT_SLO_CONFIG
const diagnose = createDiagnose(config)
const lines = (reports: PodReport[]) => reports.map((r) => JSON.stringify(r)).join('\n')

/** Compares with the baseline, naming the first pod whose report differs. */
function sameAsBaseline(reports: PodReport[]): void {
  assert.equal(reports.length, baseline.reports.length)
  for (const [i, r] of reports.entries()) {
    assert.deepEqual(r, baseline.reports[i], `report ${i} (${r.namespace}/${r.name}) differs`)
  }
  assert.equal(lines(reports), lines(baseline.reports))
}

before(async () => {
  nats = await startNats()
  redis = await startRedis({ aof: true })
  dir = await mkdtemp(join(tmpdir(), 'lunettes-crash-'))
  input = join(dir, 'cluster.jsonl')
  await writeFile(input, `${syntheticCluster({ pods: 2000 }).join('\n')}\n`)
  const alerts = new Set<string>()
  const run = await runReplay({
    inputs: [input],
    config,
    diagnose,
    onAlert: (a) => alerts.add(a.id),
  })
  baseline = { reports: run.reports, alerts }
})
after(async () => {
  await dispose(nats)
  await dispose(redis)
  await rm(dir, { recursive: true, force: true })
})

/** Two `lunettes actors --replay` processes on one replay channel, each preferring half. */
async function twoHosts(run: string) {
  const env = {
    NATS_URL: nats?.url ?? '',
    REDIS_URL: redis?.url ?? '',
    LUNETTES_STORE_PREFIX: `${run}:`,
    LUNETTES_REPLAY_RUN: run,
    LUNETTES_LEASE_TTL: '2s',
  }
  const hosts: ChildProcess[] = [
    spawnActors(['--replay', '--partitions', '0-15'], env),
    spawnActors(['--replay', '--partitions', '16-31'], env),
  ]
  const bus = await NatsBus.connect(nats?.url ?? '')
  try {
    await leasesHeld(bus, replayChannel(run).leaseOf, 32, 2000)
  } catch (err: unknown) {
    await Promise.all(hosts.map((h) => stopChild(h, 'SIGKILL')))
    await bus.close()
    throw err
  }
  return { hosts, bus, env }
}

async function replayThrough(run: string, onProgress: (alerts: number) => void) {
  let alerts = 0
  return runReplay({
    inputs: [input],
    config,
    diagnose,
    hosts: 0,
    run,
    backends: { natsUrl: nats?.url, redisUrl: redis?.url, storePrefix: `${run}:` },
    onAlert: () => onProgress(++alerts),
    timeoutMs: 90_000,
  })
}

/** A plain (core) NATS subscriber on a run's alerts: each delivery's header id and payload id. */
async function coreAlerts(run: string) {
  const nc = await connect({ servers: nats?.url ?? '' })
  const got: { header: string; id: string }[] = []
  nc.subscribe(replayChannel(run).alertWildcard, {
    callback: (err, msg) => {
      if (err) return
      const id = (JSON.parse(new TextDecoder().decode(msg.data)) as { id: string }).id
      got.push({ header: msg.headers?.get('Nats-Msg-Id') ?? '', id })
    },
  })
  await nc.flush()
  return { got, close: () => nc.drain() }
}

async function alertIds(bus: NatsBus, run: string): Promise<string[]> {
  const ch = replayChannel(run)
  const msgs = await readStream(bus, ch.alertStream, ch.alertWildcard)
  return msgs.map((m) => m.msgId ?? '')
}

describe('actor hosts under failure (real nats-server, redis-server and host processes)', () => {
  it('kill -9 of one of two hosts mid-stream: a standby takes over; reports and alerts as uninterrupted; a core subscriber dedupes by alert id', async (t) => {
    assert.ok(baseline.reports.length >= 2000)
    assert.ok(baseline.alerts.size > 50, `baseline has ${baseline.alerts.size} alerts`)
    const { hosts, bus } = await twoHosts('crash1')
    const core = await coreAlerts('crash1')
    let finished = false
    let killedWhileRunning: boolean | null = null
    const replay = replayThrough('crash1', (n) => {
      if (n === 20 && killedWhileRunning === null) {
        killedWhileRunning = !finished
        hosts[0]?.kill('SIGKILL')
      }
    }).finally(() => {
      finished = true
    })
    try {
      const result = await replay
      assert.equal(killedWhileRunning, true, 'host killed while the stream was flowing')
      assert.equal(hosts[0]?.signalCode, 'SIGKILL')
      sameAsBaseline(result.reports)
      const ids = await alertIds(bus, 'crash1')
      assert.equal(
        new Set(ids).size,
        ids.length,
        'no alert stored twice (≤ 1 per id in the stream)',
      )
      assert.deepEqual(new Set(ids), baseline.alerts)
      // Plain subscribers are at-least-once: duplicates carry the same id, in payload and header.
      for (const a of core.got) assert.equal(a.header, a.id, 'the header names the payload id')
      assert.deepEqual(
        new Set(core.got.map((a) => a.id)),
        baseline.alerts,
        'dedupe by id: one each',
      )
      const dupes = core.got.length - new Set(core.got.map((a) => a.id)).size
      t.diagnostic(
        `core subscriber: ${core.got.length} alerts, ${dupes} duplicates; stream: ${ids.length}`,
      )
    } finally {
      await core.close()
      await Promise.all(hosts.map((h) => stopChild(h)))
      await bus.close()
    }
  })

  async function restartDuring(run: string, restart: () => Promise<void>) {
    const { hosts, bus } = await twoHosts(run)
    let restarted = false
    const replay = replayThrough(run, (n) => {
      if (n === 10 && !restarted) {
        restarted = true
        void restart()
      }
    })
    try {
      const result = await replay
      assert.ok(restarted)
      sameAsBaseline(result.reports)
      const ids = await alertIds(bus, run)
      assert.equal(new Set(ids).size, ids.length, 'no alert stored twice')
      assert.deepEqual(new Set(ids), baseline.alerts)
    } finally {
      await Promise.all(hosts.map((h) => stopChild(h)))
      await bus.close()
    }
  }

  it('a Redis restart (AOF) during the stream loses nothing', async () => {
    await restartDuring('restart1', async () => {
      await redis?.restart()
    })
  })

  // Both hosts lose their leases while NATS is down and race for them again: a host that had not
  // noticed yet can still write, so this also covers the partition fence (two owners at once).
  it('a NATS restart during the stream loses nothing', async () => {
    await restartDuring('restart2', async () => {
      await nats?.restart()
    })
  })
})
