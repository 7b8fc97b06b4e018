import type { PodReport } from '../../protocol/pod-report.ts'
import type { DebugSloReply, DebugSloRequest, SloAggregate } from '../../protocol/queries.ts'
import { parseTime } from '../../protocol/time.ts'
import type { PodState } from '../lifecycle/pod-state.ts'
import type { RollupMinute, Store } from '../runtime/store/store.ts'
import { type CursorData, CursorError, decodeCursor, encodeCursor, fingerprint } from './cursor.ts'
import { walkIndex, windowUids } from './index-walk.ts'
import { fitPage } from './page-fit.ts'
import { QueryFailure } from './query-failure.ts'
import { rollupAggregates } from './rollup-math.ts'
import { exactAggregate, exactByNamespace, samplesOf } from './slo-aggregates.ts'
import { after, byNewest, loadStates, passes, type SloRow, toRow } from './slo-rows.ts'

/** What debugslo reads and its bounds. */
export interface DebugSloContext {
  readonly store: Store
  /** A state by UID, following aliases (null when gone). */
  load(uid: string): Promise<PodState | null>
  report(s: PodState): PodReport
  /** Verdicts a window may hold for exact aggregates and filters (default 10,000). */
  readonly maxExact: number
  readonly maxRollupReads: number
  readonly maxNamespaces: number
  /** Deepest position a page of a window past `maxExact` may start at. */
  readonly maxPosition: number
  readonly maxWindowUs: number
  readonly rollupConcurrency: number
  /** Largest reply, bytes: pages are shortened to fit (their `next` continues after the cut). */
  readonly maxReplyBytes: number
}

/** A window end in epoch µs; a time that does not parse or lies before 1970 names its parameter. */
function windowEnd(text: string, name: 'from' | 'to'): number {
  const t = parseTime(text)?.time
  if (t === undefined || !Number.isFinite(t) || t < 0) {
    throw new QueryFailure('BadRequest', `${name}: expected an RFC 3339 time from 1970 on`)
  }
  return t
}

function cursorOf(req: DebugSloRequest, fp: string): CursorData | null {
  if (req.cursor === undefined) return null
  try {
    return decodeCursor(req.cursor, fp)
  } catch (err: unknown) {
    if (err instanceof CursorError) throw new QueryFailure('BadRequest', err.message)
    throw err
  }
}

/** The window: the cursor's when continuing (from/to given too must agree), else the request's. */
function windowOf(req: DebugSloRequest, cursor: CursorData | null) {
  if (cursor) {
    const differs = (given: string | undefined, kept: string) =>
      given !== undefined && windowEnd(given, 'from') !== windowEnd(kept, 'from')
    if (differs(req.from, cursor.from) || differs(req.to, cursor.to)) {
      throw new QueryFailure(
        'BadRequest',
        `cursor: belongs to the window ${cursor.from}..${cursor.to}; leave from/to out or give those`,
      )
    }
    return { from: cursor.from, to: cursor.to }
  }
  if (req.from === undefined) throw new QueryFailure('BadRequest', 'from: required')
  if (req.to === undefined) throw new QueryFailure('BadRequest', 'to: required')
  return { from: req.from, to: req.to }
}

/**
 * debugslo: the verdicts of `type` that finished in [from, to], filtered (result, code, owner)
 * before paging, newest first, with the aggregates of the whole filtered window. Windows of at
 * most `maxExact` verdicts are read whole: filters, counts and nearest-rank percentiles (delivery
 * and every phase) are exact, and pages follow a keyset cursor. Bigger windows aggregate the
 * per-minute rollups (counts; percentiles interpolated in the histogram buckets, error bound
 * stated) and page by index position; filters other than the namespace are refused there.
 */
export async function debugSlo(ctx: DebugSloContext, req: DebugSloRequest): Promise<DebugSloReply> {
  const fp = fingerprint(['slo', req.type, req.namespace, req.result, req.code, req.owner])
  const cursor = cursorOf(req, fp)
  const window = windowOf(req, cursor)
  const from = windowEnd(window.from, 'from')
  const to = windowEnd(window.to, 'to')
  if (to < from) throw new QueryFailure('BadRequest', 'to: must not be before from')
  if (to - from > ctx.maxWindowUs) {
    throw new QueryFailure('BadRequest', 'from: the window from..to must not exceed 31 days')
  }
  const scope: (string | null)[] = !req.namespaces
    ? [req.namespace ?? null]
    : [...req.namespaces].filter((ns) => !req.namespace || ns === req.namespace).sort()
  const head = { type: req.type, from: window.from, to: window.to, truncated: false }
  const counted = await windowUids(ctx.store, req.type, scope, from, to, ctx.maxExact)
  if (!counted.over) {
    const { states } = await loadStates(ctx.store, counted.uids, ctx.load)
    const rows = states
      .map((s) => toRow(s, ctx.report(s), req.type))
      .filter((r) => passes(r, req))
      .sort(byNewest)
    const phases = req.type === 'create'
    let rest = rows
    if (cursor?.k === 'key') rest = rows.filter((r) => after(r, cursor.t, cursor.u))
    else if (cursor?.k === 'pos') rest = rows.slice(cursor.p)
    const nextOf = (page: readonly SloRow[]) => {
      const last = page.at(-1)
      return last && rest.length > page.length
        ? encodeCursor({ k: 'key', q: fp, t: last.sortUs, u: last.pod.uid, ...window })
        : null
    }
    const aggregates = {
      ...exactAggregate(rows, phases),
      percentiles: { method: 'exact' as const, errorBoundMs: 0, samples: samplesOf(rows) },
      byNamespace: exactByNamespace(rows, phases),
    }
    return fitPage(
      rest.slice(0, req.limit),
      (page) => ({ ...head, pods: page.map((r) => r.pod), next: nextOf(page), ...aggregates }),
      ctx.maxReplyBytes,
    )
  }
  for (const name of ['result', 'code', 'owner'] as const) {
    if (req[name] !== undefined) {
      throw new QueryFailure(
        'BadRequest',
        `${name}: the window holds more than ${ctx.maxExact} verdicts, too many to filter one ` +
          'by one; shorten from..to or name a namespace',
      )
    }
  }
  const aggregates = await rollupWindow(ctx, req, scope, from, to)
  const p = cursor?.k === 'pos' ? cursor.p : 0
  if (p + req.limit > ctx.maxPosition) {
    throw new QueryFailure(
      'BadRequest',
      `cursor: pages of windows past ${ctx.maxExact} verdicts go ${ctx.maxPosition} deep at most; shorten from..to`,
    )
  }
  const uids = await walkIndex(ctx.store, req.type, scope, from, to, p + req.limit + 1)
  const { states } = await loadStates(ctx.store, uids.slice(p, p + req.limit), ctx.load)
  const rows = states.map((s) => toRow(s, ctx.report(s), req.type))
  const more = uids.length > p + req.limit
  return fitPage(
    rows,
    (page) => ({
      ...head,
      pods: page.map((r) => r.pod),
      next:
        more || page.length < rows.length
          ? encodeCursor({ k: 'pos', q: fp, p: p + page.length, ...window })
          : null,
      ...aggregates,
    }),
    ctx.maxReplyBytes,
  )
}

type RollupPart = Pick<DebugSloReply, 'counts' | 'latencyMs' | 'phasesMs' | 'percentiles'> & {
  byNamespace: Record<string, SloAggregate>
}

/** Aggregates of a window from per-minute rollups, overall and per namespace. */
async function rollupWindow(
  ctx: DebugSloContext,
  req: DebugSloRequest,
  scope: readonly (string | null)[],
  from: number,
  to: number,
): Promise<RollupPart> {
  const namespaces = scope.includes(null)
    ? (await ctx.store.rollupNamespaces(req.type)).filter((ns) => ns !== null)
    : (scope as string[])
  const fromMinute = Math.floor(from / 60e6)
  const toMinute = Math.floor(to / 60e6)
  const minuteCount = toMinute - fromMinute + 1
  if (namespaces.length > ctx.maxNamespaces) {
    throw new QueryFailure(
      'BadRequest',
      `namespace: ${namespaces.length} namespaces have rollups, more than ${ctx.maxNamespaces} ` +
        'aggregated at once; name one',
    )
  }
  const reads = namespaces.length * minuteCount
  if (reads > ctx.maxRollupReads) {
    throw new QueryFailure(
      'BadRequest',
      `from: ${minuteCount} minutes × ${namespaces.length} namespaces is ${reads} rollup reads, ` +
        `more than ${ctx.maxRollupReads}; shorten the window or name a namespace`,
    )
  }
  const perNs = new Map<string, RollupMinute[]>()
  for (let i = 0; i < namespaces.length; i += ctx.rollupConcurrency) {
    const chunk = namespaces.slice(i, i + ctx.rollupConcurrency)
    const read = await Promise.all(
      chunk.map((ns) => ctx.store.rollups(req.type, ns, fromMinute, toMinute)),
    )
    for (const [j, ns] of chunk.entries()) perNs.set(ns, read[j] ?? [])
  }
  const all = rollupAggregates([...perNs.values()].flat())
  const byNamespace: Record<string, SloAggregate> = {}
  for (const [ns, minutes] of [...perNs.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const agg = rollupAggregates(minutes)
    if (agg.counts.total > 0)
      byNamespace[ns] = { counts: agg.counts, latencyMs: agg.latencyMs, phasesMs: null }
  }
  return {
    counts: all.counts,
    latencyMs: all.latencyMs,
    phasesMs: null,
    percentiles: { method: 'interpolated', errorBoundMs: all.errorBoundMs, samples: all.samples },
    byNamespace,
  }
}
