import { spawnSync } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { cpus, totalmem } from 'node:os'
import { resolve } from 'node:path'

/** A target of the performance issue: `key` compared with `limit` (ratio keys: ≥, others: ≤). */
interface Target {
  readonly key: string
  readonly label: string
  readonly op: '>=' | '<='
  readonly limit: number
}

export const TARGETS: readonly Target[] = [
  { key: 'embeddedVsLimit', label: 'embedded webhook ≥ 0.5 of JSON.parse', op: '>=', limit: 0.5 },
  {
    key: 'distributedVsLimit',
    label: 'distributed webhook ≥ 0.3 of JSON.parse',
    op: '>=',
    limit: 0.3,
  },
  { key: 'replayVsLimit', label: 'replay ≥ 0.5 of JSON.parse', op: '>=', limit: 0.5 },
  { key: 'p99AcceptToPersistedMs', label: 'p99 accept → persisted ≤ 50 ms', op: '<=', limit: 50 },
  { key: 'actorHostRssMB', label: '150,000 tracked pods in ≤ 300 MB RSS', op: '<=', limit: 300 },
  { key: 'alertLatencyP99Ms', label: 'alerts ≤ 1 s after the deadline', op: '<=', limit: 1000 },
]

/** Whether `figures` meets `t` (a missing or NaN figure does not). */
export function met(t: Target, figures: Readonly<Record<string, number>>): boolean {
  const v = figures[t.key]
  if (v === undefined || Number.isNaN(v)) return false
  return t.op === '>=' ? v >= t.limit : v <= t.limit
}

function denoVersion(): string {
  const r = spawnSync(resolve('node_modules/.bin/deno'), ['--version'], { encoding: 'utf8' })
  return r.status === 0 ? (r.stdout.split('\n')[0] ?? '') : 'unavailable'
}

/** Writes `docs/PERFORMANCE.md`: the method, the machine and this run's figures. */
export async function writePerformanceDoc(
  figures: Readonly<Record<string, number>>,
): Promise<void> {
  const cpu = cpus()
  const rows = Object.entries(figures)
    .map(([k, v]) => `| \`${k}\` | ${v} |`)
    .join('\n')
  const targets = TARGETS.map(
    (t) =>
      `| ${t.label} | ${figures[t.key] ?? 'n/a'} | ${met(t, figures) ? 'met' : '**missed**'} |`,
  ).join('\n')
  const doc = `# Performance

Written by \`npm run bench\` (\`tools/bench.ts\`); do not edit by hand. Benchmarks, never timed
tests: the figures vary with the machine and its load, so run it at least twice and compare.

## Method

- **Input**: \`tools/loadgen\` writes a seeded synthetic cluster's audit log (\`BENCH_PODS\` pods,
  default 3,000; 70% of the records are noise such as node leases, endpoint slices, configmaps,
  node heartbeats and pod reads; pod bodies 3–8 KB with managedFields), the same bytes for every
  leg of one run.
- **limitAuditEventsPerSec**: \`JSON.parse\` of every line of that log, in the bench process: the
  least any pipeline of these bytes must do. The other audit rates are records of the same log per
  second, and the \`*VsLimit\` ratios divide them by this limit.
- **replayAuditEventsPerSec**: \`lunettes replay\` of the log file in its own process (wall time,
  start-up included), as a user runs it; \`replayInProcess*\` is \`runReplay\` inside the bench
  process, which also holds the generated cluster (so its memory is not the replay's alone).
- **embeddedAuditEventsPerSec**: a \`lunettes all\` process (embedded bus and store); the log is
  posted as webhook EventLists of 400 by 4 concurrent posters (429/503 retried after Retry-After);
  from the first byte posted to the moment the host's \`lunettes_signals_total{outcome="applied"}\`
  reaches the number of signals the log normalises to (a signal counts once its state is persisted).
- **distributedAuditEventsPerSec**: the same through a \`lunettes gateway\` process, NATS JetStream
  and two \`lunettes actors\` processes (partitions 0-15 and 16-31) on Redis.
- **p99AcceptToPersistedMs** (and p50): the hosts' \`lunettes_pipeline_latency_seconds\` histogram
  (time from the bus accepting a signal to its state being persisted), p99 by interpolation, at a
  steady offered load: after the distributed run, another seeded cluster (a third of the pods, new
  UIDs) is posted one EventList after another at half the distributed rate
  (\`latencyOfferedAuditEventsPerSec\`), and only its signals' histogram counts (after less before).
  **p99AtSaturationMs** is the same histogram over the saturating distributed run, where the posters
  outrun the pipeline and queueing dominates.
- **trackedPods / actorHostRssMB**: \`BENCH_SCALE_PODS\` pods (default 150,000) generated the same
  way, normalised in the bench and published straight onto the signal stream, 120 signals per
  publish (what a 400-record webhook batch carries) as the gateway's per-partition batch
  messages, into ONE actor host on NATS + Redis with \`LUNETTES_IDLE=10s\` and a 192 MB V8 heap cap
  (\`--max-old-space-size=192\`, as a deployment with a 300 MB memory limit sets it; the other
  processes run with 4096); RSS read from /proc once idle actors passivated; tracked pods counted
  in Redis.
- **alertLatencyP99Ms**: then, at that load, \`BENCH_ALERT_PODS\` pods (default 200) created over
  10 s in a namespace with a 5 s create SLO that never start; each \`violated\` alert's arrival at a
  NATS subscriber minus its deadline.
- **node\\* / deno\\***: the built CLI's replay of the log (process wall time) and the pure core's
  normalise and decide rates (\`tools/bench/decide-rate.ts\`), on Node and on Deno.
- **raw\\***: JetStream publish/consume of 600-byte messages and Redis pipelined SETs of 2 KB, on
  the same servers, as context for what the servers can do on this machine.

## Machine

${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB; Node ${process.version}; ${denoVersion()}; run ${new Date().toISOString()}.

## Targets

| target | figure | |
| --- | --- | --- |
${targets}

## Figures of the latest run

| key | value |
| --- | --- |
${rows}
`
  await writeFile(resolve('docs/PERFORMANCE.md'), doc)
}
