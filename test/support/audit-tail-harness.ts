import { readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestContext } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { AuditLogTail } from '../../actors/collectors/audit-tail.ts'
import type { Bus } from '../../actors/runtime/bus/bus.ts'
import { EmbeddedBus } from '../../actors/runtime/bus/embedded-bus.ts'
import { MemoryStore } from '../../actors/runtime/store/memory-store.ts'
import { normalizeAuditRecord } from '../../protocol/normalize-gke-managed.ts'
import { signalIdsIn } from './unbatch.ts'

/** The realistic audit lines the tail tests write (one signal each). */
export const LINES = readFileSync('test/fixtures/audit/mixed-pods.jsonl', 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')

/** The signal ids lines `from`..`to` of the fixture normalise to, in order. */
export function idsOf(from: number, to: number): string[] {
  return LINES.slice(from, to).flatMap((l) => {
    const n = normalizeAuditRecord(JSON.parse(l))
    return n.ok ? n.signals.map((s) => s.id) : []
  })
}

/** Lines `from`..`to` as file content. */
export function text(from: number, to: number): string {
  return LINES.slice(from, to).join('\n').concat('\n')
}

/** Polls until `cond`, then waits a few polls more so that a duplicate would show up too. */
export async function until(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(5)
  }
  await sleep(60)
}

export interface TailHarness<B extends Bus> {
  readonly dir: string
  readonly path: string
  readonly bus: B
  readonly store: MemoryStore
  /** Signal ids seen by a core subscription on `lunettes.signals.*`, duplicates included. */
  readonly seen: string[]
  readonly logs: { level: string; obj: object; msg: string }[]
  tail(opts?: { batchLines?: number; pollMs?: number }): AuditLogTail
  until(n: number): Promise<void>
}

/** A temp dir, an embedded bus (optionally wrapped, e.g. by a flaky test double) and a store. */
export async function tailHarness<B extends Bus = EmbeddedBus>(
  t: TestContext,
  wrap: (bus: EmbeddedBus) => B = (bus) => bus as unknown as B,
): Promise<TailHarness<B>> {
  const dir = await mkdtemp(join(tmpdir(), 'audit-tail-'))
  const bus = wrap(new EmbeddedBus())
  await bus.ensureStream({
    name: 'LUNETTES_SIGNALS',
    subjects: ['lunettes.signals.*'],
    maxAgeMs: 60_000,
    maxBytes: -1,
    duplicateWindowMs: 60_000,
  })
  const seen: string[] = []
  const sub = bus.subscribe('lunettes.signals.*', (_s, data) => {
    seen.push(...signalIdsIn(data))
  })
  const store = new MemoryStore()
  const logs: TailHarness<B>['logs'] = []
  const log = {
    info: (obj: object, msg: string) => logs.push({ level: 'info', obj, msg }),
    warn: (obj: object, msg: string) => logs.push({ level: 'warn', obj, msg }),
    error: (obj: object, msg: string) => logs.push({ level: 'error', obj, msg }),
  }
  const tails: AuditLogTail[] = []
  t.after(async () => {
    for (const tail of tails) await tail.stop()
    await sub.close()
    await bus.close()
    await rm(dir, { recursive: true, force: true })
  })
  const path = join(dir, 'audit.log')
  return {
    dir,
    path,
    bus,
    store,
    seen,
    logs,
    tail: ({ batchLines = 7, pollMs = 10 } = {}) => {
      const tail = new AuditLogTail({
        path,
        bus,
        store,
        partitions: 4,
        ignoredNamespaces: new Set(),
        pollMs,
        batchLines,
        retryMinMs: 5,
        retryMaxMs: 20,
        log,
      })
      tails.push(tail)
      return tail
    },
    until: (n) => until(() => seen.length >= n, `${n} signals (have ${seen.length})`),
  }
}
