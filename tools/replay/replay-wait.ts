import { setTimeout as sleep } from 'node:timers/promises'
import { META } from '../../actors/runtime/host/worker-batch.ts'
import type { Store } from '../../actors/runtime/store/store.ts'

/**
 * Waits until every partition's actors processed the replay's last message. Each host persists
 * the next sequence it expects in the same atomic write as the states (`seq:<p>`), so reading it
 * from the store is exact and survives host crashes and bus restarts (a notification published
 * while a subscriber reconnects could be lost; the store cannot).
 */
export async function waitForPartitions(
  store: Store,
  lastSeq: readonly number[],
  timeoutMs: number,
  pollMs = 50,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  const pending = new Set(lastSeq.map((_, p) => p))
  for (;;) {
    for (const p of [...pending]) {
      const next = Number((await store.getMeta(META.seq(p))) ?? 1)
      if (next > (lastSeq[p] ?? 0)) pending.delete(p)
    }
    if (pending.size === 0) return
    if (Date.now() > deadline) {
      const left = [...pending].join(', ')
      throw new Error(
        `replay: actors did not finish within ${timeoutMs} ms (partitions left: ${left})`,
      )
    }
    await sleep(pollMs)
  }
}
