import { Redis } from 'ioredis'
import { NatsBus } from '../../actors/runtime/bus/nats-bus.ts'

async function time<T>(fn: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const started = performance.now()
  const value = await fn()
  return { value, seconds: (performance.now() - started) / 1000 }
}

/** Raw JetStream publish and consume rates (600-byte messages, batches of 1000 / 256). */
export async function rawNats(
  url: string,
  RAW: number,
): Promise<{ publish: number; consume: number }> {
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
/** Raw Redis pipelined SET rate (2 KB values, 500 per MULTI). */
export async function rawRedis(url: string, RAW: number): Promise<number> {
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
