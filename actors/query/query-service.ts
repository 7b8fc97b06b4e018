import * as v from 'valibot'
import type { SloConfig } from '../../config/slo-config.ts'
import {
  DebugPodRequest,
  type DebugSloReply,
  DebugSloRequest,
  type HistoryEntry,
  PodsRequest,
  type QueryErrorCode,
  type SloPod,
} from '../../protocol/queries.ts'
import { querySubject } from '../../protocol/subjects.ts'
import { formatTime, parseTime } from '../../protocol/time.ts'
import type { Diagnose } from '../lifecycle/decide.ts'
import type { PodState } from '../lifecycle/pod-state.ts'
import { decodeState } from '../lifecycle/pod-state-codec.ts'
import { toReport } from '../lifecycle/report.ts'
import type { Bus, Subscription } from '../runtime/bus/bus.ts'
import { META } from '../runtime/host/worker-batch.ts'
import type { Store } from '../runtime/store/store.ts'
import { boundReply, DEFAULT_MAX_REPLY_BYTES, REPLY_HEADER_RESERVE } from './reply-bound.ts'
import { rollupAggregates } from './rollup-math.ts'

export interface QueryServiceOptions {
  bus: Bus
  store: Store
  config: SloConfig
  diagnose: Diagnose
  /** Clock for in-flight reports, epoch µs. */
  now?: () => number
  /** Jaeger UI base URL: debugpod then links the pod's PodCreate trace. */
  jaegerUiUrl?: string
  queue?: string
  /**
   * Largest reply, bytes: the bus's max payload less header room (default 1 MiB − 4 KiB, NATS'
   * default). Bigger replies are cut and flagged `truncated: true`.
   */
  maxReplyBytes?: number
  /** debugslo rollup minutes read per query at most (namespaces × minutes; default 500,000). */
  maxRollupReads?: number
  /** debugslo without a namespace aggregates at most this many namespaces (default 200). */
  maxNamespaces?: number
  /** debugpod lists at most this many other pods of the same name (default 100, newest). */
  maxHistory?: number
}

/** Defaults of the query bounds (see `QueryServiceOptions`). */
export const QUERY_BOUNDS = {
  maxRollupReads: 500_000,
  maxNamespaces: 200,
  maxHistory: 100,
  /** debugslo's longest window, µs (31 days, as the gateway checks). */
  maxWindowUs: 31 * 86_400_000_000,
  /** Namespaces whose rollups are read at once. */
  rollupConcurrency: 8,
} as const

class QueryFailure extends Error {
  override readonly name = 'QueryFailure'
  readonly code: QueryErrorCode
  constructor(code: QueryErrorCode, message: string) {
    super(message)
    this.code = code
  }
}

const enc = new TextEncoder()
const dec = new TextDecoder()

function parse<S extends v.GenericSchema>(schema: S, data: Uint8Array): v.InferOutput<S> {
  let raw: unknown
  try {
    raw = JSON.parse(dec.decode(data))
  } catch {
    throw new QueryFailure('BadRequest', 'request is not JSON')
  }
  const r = v.safeParse(schema, raw)
  if (!r.success) {
    const issue = r.issues[0]
    const path = issue.path?.map((p) => String(p.key)).join('.')
    throw new QueryFailure('BadRequest', `${path ? `${path}: ` : ''}${issue.message}`)
  }
  return r.output
}

/**
 * The query service of the actor hosts: debugpod, debugslo and pods on `lunettes.query.<name>`
 * in a queue group, answered from the store (the state the actors persisted). Replies are the
 * `protocol/queries.ts` shapes or `{"error":{"code","message"}}`.
 */
export function serveQueries(opts: QueryServiceOptions): Subscription[] {
  const { bus, store, config, diagnose } = opts
  const now = opts.now ?? (() => Date.now() * 1000)
  const queue = opts.queue ?? 'lunettes-query'
  // The bus's own limit when it reports one (NATS `info.max_payload`; the Bus contract does not
  // require it, so it is read structurally), read per reply: a reconnect may change it.
  const reported = bus as Partial<{ maxPayload(): number | undefined }>
  const replyLimit = () => {
    if (opts.maxReplyBytes !== undefined) return opts.maxReplyBytes
    const max = reported.maxPayload?.()
    return max === undefined ? DEFAULT_MAX_REPLY_BYTES : max - REPLY_HEADER_RESERVE
  }
  const maxRollupReads = opts.maxRollupReads ?? QUERY_BOUNDS.maxRollupReads
  const maxNamespaces = opts.maxNamespaces ?? QUERY_BOUNDS.maxNamespaces
  const maxHistory = opts.maxHistory ?? QUERY_BOUNDS.maxHistory

  async function load(uid: string): Promise<PodState | null> {
    const json = await store.getState(uid)
    if (json) return decodeState(uid, json)
    const alias = await store.getMeta(META.alias(uid))
    return alias ? load(alias) : null
  }

  const report = (s: PodState) => toReport(s, config, diagnose(s, now(), s.slo.create.result))

  function sloPod(s: PodState, type: 'create' | 'delete'): SloPod {
    const r = report(s)
    const slo = type === 'create' ? r.slo.create : r.slo.delete
    const finishedAt = type === 'create' ? (s.ms.ready ?? s.ms.deleted) : s.ms.deleted
    return {
      uid: s.uid,
      namespace: s.namespace,
      name: s.name,
      result: slo?.result ?? 'pending',
      code: r.diagnosis?.code ?? null,
      deliveryMs: r.sli.deliveryMs,
      deleteMs: r.sli.deleteMs,
      finished: finishedAt ? formatTime(finishedAt.t, finishedAt.p) : null,
    }
  }

  /**
   * The newest `limit` states whose `type` SLO finished in [from, to], in `namespace` (or all),
   * within the caller's `namespaces` (null: no restriction); `more` when more matched.
   */
  async function scoped(
    type: 'create' | 'delete',
    req: { namespace?: string | undefined; namespaces?: readonly string[] | null | undefined },
    from: number,
    to: number,
    limit: number,
  ): Promise<{ states: PodState[]; more: boolean }> {
    const loadAll = async (uids: string[]) =>
      (await Promise.all(uids.map(load))).filter((s) => s !== null)
    if (!req.namespaces) {
      const uids = await store.sloRange(type, req.namespace ?? null, from, to, limit + 1)
      return { states: await loadAll(uids.slice(0, limit)), more: uids.length > limit }
    }
    const allowed = req.namespaces
    const list = req.namespace ? allowed.filter((ns) => ns === req.namespace) : [...allowed]
    const uids = (
      await Promise.all(list.map((ns) => store.sloRange(type, ns, from, to, limit + 1)))
    ).flat()
    const finished = (s: PodState) =>
      (type === 'create' ? (s.ms.ready ?? s.ms.deleted) : s.ms.deleted)?.t ?? 0
    const states = (await loadAll(uids)).sort((a, b) => finished(b) - finished(a))
    return { states: states.slice(0, limit), more: uids.length > limit }
  }

  async function debugpod(data: Uint8Array) {
    const req = parse(DebugPodRequest, data)
    let state: PodState | null = null
    if ('uid' in req) state = await load(req.uid)
    else {
      for (const uid of await store.uidsByName(req.namespace, req.name)) {
        state = await load(uid)
        if (state) break
      }
    }
    // Outside the caller's namespaces a pod answers as if it did not exist.
    if (state && req.namespaces && !req.namespaces.includes(state.namespace)) state = null
    if (!state) {
      const what = 'uid' in req ? `uid ${req.uid}` : `${req.namespace}/${req.name}`
      throw new QueryFailure('NotFound', `no pod with ${what}`)
    }
    const history: HistoryEntry[] = []
    const others = (await store.uidsByName(state.namespace, state.name)).filter(
      (uid) => uid !== state.uid,
    )
    // A name reused thousands of times (a StatefulSet pod) must not cost thousands of reads.
    for (const uid of others.slice(-maxHistory)) {
      const other = await load(uid)
      if (!other) continue
      const c = other.ms.created
      history.push({
        uid,
        created: c ? formatTime(c.t, c.p) : null,
        result: other.slo.create.result,
      })
    }
    const r = report(state)
    const base = opts.jaegerUiUrl?.replace(/\/+$/, '')
    return {
      ...r,
      history,
      ...(base ? { traceUrl: `${base}/trace/${r.traceId}` } : {}),
      ...(others.length > maxHistory ? { truncated: true } : {}),
    }
  }

  /** A window end in epoch µs; a time that does not parse or lies before 1970 names its parameter. */
  function windowEnd(text: string, name: 'from' | 'to'): number {
    const t = parseTime(text)?.time
    if (t === undefined || !Number.isFinite(t) || t < 0) {
      throw new QueryFailure('BadRequest', `${name}: expected an RFC 3339 time from 1970 on`)
    }
    return t
  }

  /** Refuses a debugslo whose rollup reads (namespaces × minutes) pass the bounds. */
  function checkFanOut(namespaceCount: number, minuteCount: number): void {
    if (namespaceCount > maxNamespaces) {
      throw new QueryFailure(
        'BadRequest',
        `namespace: ${namespaceCount} namespaces have rollups, more than ${maxNamespaces} ` +
          'aggregated at once; name one',
      )
    }
    const reads = namespaceCount * minuteCount
    if (reads > maxRollupReads) {
      throw new QueryFailure(
        'BadRequest',
        `from: ${minuteCount} minutes × ${namespaceCount} namespaces is ${reads} rollup reads, ` +
          `more than ${maxRollupReads}; shorten the window or name a namespace`,
      )
    }
  }

  async function debugslo(data: Uint8Array): Promise<DebugSloReply> {
    const req = parse(DebugSloRequest, data)
    const from = windowEnd(req.from, 'from')
    const to = windowEnd(req.to, 'to')
    if (to < from) throw new QueryFailure('BadRequest', 'to: must not be before from')
    if (to - from > QUERY_BOUNDS.maxWindowUs) {
      throw new QueryFailure('BadRequest', 'from: the window from..to must not exceed 31 days')
    }
    const { states, more } = await scoped(req.type, req, from, to, req.limit)
    const pods = states
      .map((s) => sloPod(s, req.type))
      .filter((p) => (!req.result || p.result === req.result) && (!req.code || p.code === req.code))
    const namespaces = (
      req.namespace ? [req.namespace] : await store.rollupNamespaces(req.type)
    ).filter((ns) => !req.namespaces || req.namespaces.includes(ns))
    const fromMinute = Math.floor(from / 60e6)
    const toMinute = Math.floor(to / 60e6)
    checkFanOut(namespaces.length, toMinute - fromMinute + 1)
    const minutes = []
    for (let i = 0; i < namespaces.length; i += QUERY_BOUNDS.rollupConcurrency) {
      const chunk = namespaces.slice(i, i + QUERY_BOUNDS.rollupConcurrency)
      const read = await Promise.all(
        chunk.map((ns) => store.rollups(req.type, ns, fromMinute, toMinute)),
      )
      minutes.push(...read.flat())
    }
    const agg = rollupAggregates(minutes)
    return {
      type: req.type,
      from: req.from,
      to: req.to,
      pods,
      truncated: more,
      ...agg,
    }
  }

  async function pods(data: Uint8Array) {
    const req = parse(PodsRequest, data)
    const { states } = await scoped('create', req, 0, Number.MAX_SAFE_INTEGER, req.limit)
    return { pods: states.map((s) => sloPod(s, 'create')) }
  }

  const handlers: Record<string, (data: Uint8Array) => Promise<unknown>> = {
    debugpod,
    debugslo,
    pods,
  }
  return Object.entries(handlers).map(([name, handler]) =>
    bus.serve(querySubject(name), queue, async (data) => {
      try {
        const limit = replyLimit()
        const reply = boundReply(await handler(data), limit)
        if (reply) return reply
        throw new Error(`the ${name} reply does not fit ${limit} bytes even truncated`)
      } catch (err: unknown) {
        const code = err instanceof QueryFailure ? err.code : 'Internal'
        const message = err instanceof Error ? err.message : String(err)
        return enc.encode(JSON.stringify({ error: { code, message } }))
      }
    }),
  )
}
