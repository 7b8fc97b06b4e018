import type { PodReport } from '../../protocol/pod-report.ts'
import type { PodsReply, PodsRequest } from '../../protocol/queries.ts'
import type { PodState } from '../lifecycle/pod-state.ts'
import type { Store } from '../runtime/store/store.ts'
import { CursorError, decodeCursor, encodeCursor, fingerprint } from './cursor.ts'
import { walkIndex } from './index-walk.ts'
import { fitPage } from './page-fit.ts'
import { QueryFailure } from './query-failure.ts'
import { loadStates, toRow } from './slo-rows.ts'

/** What the pod search reads and its bounds. */
export interface PodsContext {
  readonly store: Store
  load(uid: string): Promise<PodState | null>
  report(s: PodState): PodReport
  /** Report clock, epoch µs (a first page pins the listing's newest end at it or wall time). */
  now(): number
  /** Index entries (pod states) one page reads at most (default 5,000). */
  readonly maxScan: number
  /** Deepest index position a page may start at. */
  readonly maxPosition: number
  readonly maxReplyBytes: number
}

const EPOCH = '1970-01-01T00:00:00Z'

/**
 * Pod search: pods with a create verdict, newest first, whose name starts with `q` or whose UID
 * is `q` (on the first page a UID is looked up directly, so in-flight pods are found by UID),
 * optionally with one create `result`, within the caller's namespaces. A page reads at most
 * `maxScan` index entries: it may hold fewer than `limit` pods and still give a `next` cursor.
 * `q` is compared as plain text (`startsWith`), never as a pattern.
 */
export async function searchPods(ctx: PodsContext, req: PodsRequest): Promise<PodsReply> {
  const fp = fingerprint(['pods', req.namespace, req.q, req.result])
  let cursor = null
  if (req.cursor !== undefined) {
    try {
      cursor = decodeCursor(req.cursor, fp)
    } catch (err: unknown) {
      if (err instanceof CursorError) throw new QueryFailure('BadRequest', err.message)
      throw err
    }
    if (cursor.k !== 'pos') throw new QueryFailure('BadRequest', 'cursor: not a pods cursor')
  }
  const allowed = (ns: string) =>
    (!req.namespaces || req.namespaces.includes(ns)) && (!req.namespace || ns === req.namespace)
  if (!cursor && req.q) {
    const byUid = await ctx.load(req.q)
    if (byUid && byUid.uid === req.q && allowed(byUid.namespace)) {
      const row = toRow(byUid, ctx.report(byUid), 'create')
      const ok = !req.result || row.pod.result === req.result
      return { pods: ok ? [row.pod] : [], next: null, scanned: 1 }
    }
  }
  const scope: (string | null)[] = !req.namespaces
    ? [req.namespace ?? null]
    : [...req.namespaces].filter((ns) => allowed(ns)).sort()
  // Pinned at the first page, so verdicts arriving while a client pages do not shift positions.
  const pin =
    cursor?.k === 'pos' && cursor.pin !== undefined
      ? cursor.pin
      : Math.max(ctx.now(), Date.now() * 1000)
  const p = cursor?.k === 'pos' ? cursor.p : 0
  if (p > ctx.maxPosition) {
    throw new QueryFailure('BadRequest', `cursor: searches go ${ctx.maxPosition} pods deep at most`)
  }
  const uids = await walkIndex(ctx.store, 'create', scope, 0, pin, p + ctx.maxScan + 1)
  const slice = uids.slice(p, p + ctx.maxScan)
  const { states } = await loadStates(ctx.store, slice, ctx.load)
  const byUid = new Map(states.map((s) => [s.uid, s]))
  const hits: { pod: PodsReply['pods'][number]; next: number }[] = []
  let scanned = 0
  for (const [i, uid] of slice.entries()) {
    if (hits.length >= req.limit) break
    scanned = i + 1
    const s = byUid.get(uid)
    if (!s || !allowed(s.namespace)) continue
    if (req.q && !s.name.startsWith(req.q) && s.uid !== req.q) continue
    if (req.result && s.slo.create.result !== req.result) continue
    hits.push({ pod: toRow(s, ctx.report(s), 'create').pod, next: p + i + 1 })
  }
  const end = p + scanned
  const more = uids.length > end
  return fitPage(
    hits,
    (page) => {
      const last = page.at(-1)
      // A shortened page continues after its last pod; a full scan after what it read.
      const at = page.length < hits.length && last ? last.next : end
      const next =
        more || page.length < hits.length
          ? encodeCursor({ k: 'pos', q: fp, p: at, from: EPOCH, to: EPOCH, pin })
          : null
      return { pods: page.map((h) => h.pod), next, scanned }
    },
    ctx.maxReplyBytes,
  )
}
