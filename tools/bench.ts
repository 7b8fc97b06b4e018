import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { auditBench } from './bench/audit-bench.ts'
import { natsServer, redisServer } from './bench/procs.ts'
import { rawNats, rawRedis } from './bench/raw.ts'
import { met, TARGETS, writePerformanceDoc } from './bench/report.ts'
import { runtimeFigures } from './bench/runtimes.ts'
import { scaleBench } from './bench/scale-bench.ts'

/**
 * `npm run bench [-- --json]`: the audit pipeline against the speed of JSON.parse on the same
 * bytes (replay, webhook → embedded, webhook → NATS → two actor hosts → Redis), one actor host
 * holding 150,000 pods, alert latency at that load, Node beside Deno, and the raw JetStream and
 * Redis rates as context. Prints a table (and with --json one JSON object on its last line) and
 * writes docs/PERFORMANCE.md. Not a test: numbers only. Needs nats-server and redis-server.
 */
const PODS = Number(process.env.BENCH_PODS ?? 3000)
const SCALE_PODS = Number(process.env.BENCH_SCALE_PODS ?? 150_000)
const ALERT_PODS = Number(process.env.BENCH_ALERT_PODS ?? 200)
const RAW = Number(process.env.BENCH_RAW_MESSAGES ?? 50_000)
const ratio = (a: number, b: number) => Number((a / b).toFixed(3))
const say = (line: string) => process.stderr.write(`bench: ${line}\n`)

async function main(): Promise<void> {
  const json = process.argv.includes('--json')
  const dir = await mkdtemp(join(tmpdir(), 'lunettes-bench-'))
  try {
    say(`audit pipeline, ${PODS} pods`)
    const audit = await auditBench(dir, PODS)
    const file = join(dir, 'cluster.audit.jsonl')
    say('node and deno')
    const node = runtimeFigures('node', file, audit.records, join(dir, 'node.jsonl'))
    const deno = runtimeFigures('deno', file, audit.records, join(dir, 'deno.jsonl'))
    say(`scale, ${SCALE_PODS} pods in one actor host, then ${ALERT_PODS} alerts`)
    const scale = await scaleBench(SCALE_PODS, ALERT_PODS)
    say('raw NATS and Redis')
    const nats = await natsServer()
    const redis = await redisServer()
    const rawN = await rawNats(nats.url, RAW).finally(() => nats.stop())
    const rawR = await rawRedis(redis.url, RAW).finally(() => redis.stop())
    const figures: Record<string, number> = {
      ...audit,
      embeddedVsLimit: ratio(audit.embeddedAuditEventsPerSec, audit.limitAuditEventsPerSec),
      distributedVsLimit: ratio(audit.distributedAuditEventsPerSec, audit.limitAuditEventsPerSec),
      // `lunettes replay` as a user runs it (its own process, start-up included), as the issue measured.
      replayAuditEventsPerSec: node.replayRecordsPerSec,
      replayVsLimit: ratio(node.replayRecordsPerSec, audit.limitAuditEventsPerSec),
      ...scale,
      nodeReplayRecordsPerSec: node.replayRecordsPerSec,
      denoReplayRecordsPerSec: deno.replayRecordsPerSec,
      nodeNormalizeRecordsPerSec: node.normalizeRecordsPerSec,
      denoNormalizeRecordsPerSec: deno.normalizeRecordsPerSec,
      nodeDecideSignalsPerSec: node.decideSignalsPerSec,
      denoDecideSignalsPerSec: deno.decideSignalsPerSec,
      rawNatsPublishPerSec: Math.round(rawN.publish),
      rawNatsConsumePerSec: Math.round(rawN.consume),
      rawRedisPipelinedWritesPerSec: Math.round(rawR),
    }
    for (const [k, v] of Object.entries(figures)) process.stdout.write(`${k.padEnd(34)} ${v}\n`)
    for (const t of TARGETS) {
      process.stdout.write(`target ${met(t, figures) ? 'met   ' : 'MISSED'} ${t.label}\n`)
    }
    await writePerformanceDoc(figures)
    if (json) process.stdout.write(`${JSON.stringify(figures)}\n`)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`)
  process.exitCode = 1
})
