import { setTimeout as sleep } from 'node:timers/promises'

/** What posting a stream of webhook batches took. */
export interface PostResult {
  /** When the first byte was posted (performance.now() ms). */
  readonly started: number
  /** When the last batch was answered 200. */
  readonly answered: number
  /** Per batch: answered-200 time (performance.now() ms). */
  readonly acceptedAt: readonly number[]
  /** Answers other than 200 that were retried (429/503), by status. */
  readonly retried: Readonly<Record<number, number>>
}

/**
 * Posts one body until it is answered 200; a 429 or 503 is counted in `retried` and retried
 * after its Retry-After (capped at 1 s here). Resolves with the time of the 200.
 */
async function postUntilAccepted(
  url: string,
  headers: Record<string, string>,
  body: string,
  i: number,
  retried: Record<number, number>,
): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(url, { method: 'POST', headers, body })
    await res.arrayBuffer()
    if (res.status === 200) return performance.now()
    if ((res.status !== 429 && res.status !== 503) || attempt > 200) {
      throw new Error(`webhook answered ${res.status} to batch ${i} (attempt ${attempt + 1})`)
    }
    retried[res.status] = (retried[res.status] ?? 0) + 1
    const after = Number(res.headers.get('retry-after') ?? '1')
    await sleep(Math.min(Number.isFinite(after) ? after * 1000 : 1000, 1000))
  }
}

/**
 * Posts every body to `url` with `concurrency` posters, as several API servers' webhook backends
 * do; a 429 or 503 is retried after its Retry-After (capped at 1 s here), so nothing is lost.
 */
export async function postBatches(
  url: string,
  bodies: readonly string[],
  { concurrency = 4, token }: { concurrency?: number; token?: string | undefined } = {},
): Promise<PostResult> {
  const acceptedAt = new Array<number>(bodies.length).fill(0)
  const retried: Record<number, number> = {}
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (token) headers.authorization = `Bearer ${token}`
  let next = 0
  const started = performance.now()
  async function poster(): Promise<void> {
    while (next < bodies.length) {
      const i = next++
      acceptedAt[i] = await postUntilAccepted(url, headers, bodies[i] ?? '', i, retried)
    }
  }
  await Promise.all(Array.from({ length: concurrency }, poster))
  return { started, answered: Math.max(...acceptedAt), acceptedAt, retried }
}

/**
 * Polls `read` (signals folded so far) until it reaches `expected`, and returns the time
 * (performance.now() ms) of the poll that first saw it; throws after `timeoutMs`.
 */
export async function waitFolded(
  read: () => Promise<number>,
  expected: number,
  timeoutMs = 600_000,
): Promise<number> {
  const deadline = performance.now() + timeoutMs
  let last = -1
  while (performance.now() < deadline) {
    const n = await read()
    if (n >= expected) return performance.now()
    last = n
    await sleep(20)
  }
  throw new Error(`only ${last} of ${expected} signals folded within ${timeoutMs} ms`)
}

/**
 * Posts `bodies` one after another at an offered load of `perSec` bodies per second (a body every
 * 1/perSec s from the start, whatever the answers took: a late answer is not made up by a
 * burst); 429/503 retried as in `postBatches`. For latency at a steady rate below the maximum.
 */
export async function postPaced(
  url: string,
  bodies: readonly string[],
  perSec: number,
  token: string,
): Promise<PostResult> {
  const started = performance.now()
  const acceptedAt: number[] = []
  const retried: Record<number, number> = {}
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` }
  const sends = bodies.map(async (body, i) => {
    await sleep(Math.max(0, started + (i * 1000) / perSec - performance.now()))
    acceptedAt[i] = await postUntilAccepted(url, headers, body, i, retried)
  })
  await Promise.all(sends)
  return { started, answered: Math.max(...acceptedAt), acceptedAt, retried }
}
