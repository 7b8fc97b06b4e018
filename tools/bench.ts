import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { createDiagnose } from '../actors/lifecycle/diagnosis-hook.ts'
import { NatsBus } from '../actors/runtime/bus/nats-bus.ts'
import { DEFAULT_SLO_CONFIG } from '../config/slo-config.ts'
import { dispose, startNats, startRedis } from '../test/support/servers.ts'
import { syntheticCluster } from './loadgen/watch-stream.ts'
import { runReplay } from './replay/replay.ts'

/**
 * `npm run bench`: throughput of the pipeline, embedded and on NATS + Redis, next to the raw
 * NATS JetStream publish/consume and Redis pipeline rates measured in the same run on the same
 * machine, so the ratios say how much of the servers' capacity the pipeline uses. Not a test:
 * numbers only, printed as a table and as JSON on the last line.
 */
const PODS = Number(process.env.BENCH_PODS ?? 3000)
const RAW = Number(process.env.BENCH_RAW_MESSAGES ?? 50_000)

async function time<T>(fn: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const started = performance.now()
  const value = await fn()
  return { value, seconds: (performance.now() - started) / 1000 }
}

async function rawNats(url: string): Promise<{ publish: number; consume: number }> {
  const bus = await NatsBus.connect(url)
  await bus.ensureStream({
    name: 'BENCH',
    subjects: ['bench.>'],
    maxAgeMs: 600_000,
    maxBytes: -1,
    duplicateWindowMs: 60_000,
  })
  const payload = new TextEncoder().encode('x'.repeat(600))
  const msgs = Array.from({ length: RAW }, (_, i) => ({
    subject: 'bench.0',
    data: payload,
    msgId: `m${i}`,
  }))
  const pub = await time(async () => {
    for (let i = 0; i < msgs.length; i += 1000) await bus.publish(msgs.slice(i, i + 1000))
  })
  const consumer = await bus.consumer({
    stream: 'BENCH',
    durable: 'bench',
    filterSubject: 'bench.0',
    ackWaitMs: 30_000,
  })
  const con = await time(async () => {
    let n = 0
    while (n < RAW) {
      const got = await consumer.fetch(256, 2000)
      for (const m of got) m.ack()
      n += got.length
    }
  })
  await consumer.close()
  await bus.close()
  return { publish: RAW / pub.seconds, consume: RAW / con.seconds }
}

async function rawRedis(url: string): Promise<number> {
  const redis = new Redis(url)
  const value = 'y'.repeat(2000)
  const r = await time(async () => {
    for (let i = 0; i < RAW; i += 500) {
      const multi = redis.multi()
      for (let j = i; j < i + 500; j++) multi.set(`bench:${j}`, value)
      await multi.exec()
    }
  })
  await redis.quit()
  return RAW / r.seconds
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'lunettes-bench-'))
  const input = join(dir, 'cluster.jsonl')
  await writeFile(input, `${syntheticCluster({ pods: PODS, seed: 11 }).join('\n')}\n`)
  const config = DEFAULT_SLO_CONFIG
  const diagnose = createDiagnose(config)
  const nats = await startNats()
  const redis = await startRedis()
  try {
    // Working set of the embedded run: the peak of heap + buffers over a collected baseline.
    const used = () => process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers
    ;(globalThis as { gc?: () => void }).gc?.()
    const heapBefore = used()
    let peak = heapBefore
    const sampler = setInterval(() => {
      peak = Math.max(peak, used())
    }, 20)
    const embedded = await time(() => runReplay({ inputs: [input], config, diagnose })).finally(
      () => clearInterval(sampler),
    )
    const signals = embedded.value.summary.signals
    const distributed = await time(() =>
      runReplay({
        inputs: [input],
        config,
        diagnose,
        hosts: 2,
        backends: { natsUrl: nats.url, redisUrl: redis.url },
      }),
    )
    const nat = await rawNats(nats.url)
    const red = await rawRedis(redis.url)
    const rows = {
      pods: PODS,
      signals,
      embeddedSignalsPerSec: Math.round(signals / embedded.seconds),
      natsRedisSignalsPerSec: Math.round(signals / distributed.seconds),
      rawNatsPublishPerSec: Math.round(nat.publish),
      rawNatsConsumePerSec: Math.round(nat.consume),
      rawRedisPipelinedWritesPerSec: Math.round(red),
      pipelineVsRawNatsPublish: Number((signals / distributed.seconds / nat.publish).toFixed(3)),
      pipelineVsRawRedisWrites: Number((signals / distributed.seconds / red).toFixed(3)),
      embeddedPeakMemoryMB: Math.round((peak - heapBefore) / 1e6),
      rssMB: Math.round(process.memoryUsage().rss / 1e6),
    }
    for (const [k, v] of Object.entries(rows)) process.stdout.write(`${k.padEnd(32)} ${v}\n`)
    process.stdout.write(`${JSON.stringify(rows)}\n`)
  } finally {
    await dispose(nats)
    await dispose(redis)
    await rm(dir, { recursive: true, force: true })
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`)
  process.exitCode = 1
})
