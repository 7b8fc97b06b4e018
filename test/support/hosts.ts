import { type ChildProcess, spawn } from 'node:child_process'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import type { Bus, BusMessage } from '../../actors/runtime/bus/bus.ts'
import { LEASE_BUCKET } from '../../actors/runtime/host/partition-lease.ts'

/** The lunettes CLI: built JS under `npm test`, the TypeScript source through tsx otherwise. */
export function cliCommand(): string[] {
  const here = fileURLToPath(import.meta.url)
  return here.endsWith('.ts')
    ? ['--import', 'tsx', fileURLToPath(new URL('../../tools/cli.ts', import.meta.url))]
    : [fileURLToPath(new URL('../../tools/cli.js', import.meta.url))]
}

/** Starts `lunettes actors` as a real child process (so a test can kill -9 it). */
export function spawnActors(args: string[], env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, [...cliCommand(), 'actors', ...args], {
    env: {
      ...process.env,
      LUNETTES_METRICS_ADDR: '',
      LOG_LEVEL: process.env.LUNETTES_TEST_LOG_LEVEL ?? 'warn',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  child.stderr?.on('data', (d: Buffer) => {
    if (process.env.LUNETTES_TEST_VERBOSE) process.stderr.write(d)
  })
  return child
}

/** Waits until every partition lease key of a channel is held (`ttlMs`: the hosts' lease TTL). */
export async function leasesHeld(
  bus: Bus,
  keyOf: (p: number) => string,
  partitions: number,
  ttlMs: number,
  timeoutMs = 15_000,
) {
  const kv = await bus.kv(LEASE_BUCKET, ttlMs)
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const held = await Promise.all(Array.from({ length: partitions }, (_, p) => kv.get(keyOf(p))))
    if (held.every((h) => h !== null)) return
    if (Date.now() > deadline) throw new Error('actor hosts did not take every partition in time')
    await sleep(100)
  }
}

/** Everything a stream holds for a subject filter, read through a fresh durable consumer. */
export async function readStream(bus: Bus, stream: string, filter: string): Promise<BusMessage[]> {
  const c = await bus.consumer({
    stream,
    durable: `reader${Date.now()}`,
    filterSubject: filter,
    ackWaitMs: 30_000,
  })
  const out: BusMessage[] = []
  for (;;) {
    const got = await c.fetch(1000, 1500)
    if (got.length === 0) break
    for (const m of got) m.ack()
    out.push(...got)
  }
  await c.close()
  return out
}

/** Ends a child process and waits for it. */
export async function stopChild(
  child: ChildProcess | undefined,
  signal: NodeJS.Signals = 'SIGTERM',
) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill(signal)
  await exited
}
