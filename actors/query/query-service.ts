import * as v from 'valibot'
import type { SloConfig } from '../../config/slo-config.ts'
import {
  type DebugPodReply,
  DebugPodRequest,
  DebugSloRequest,
  type HistoryEntry,
  PodsRequest,
} from '../../protocol/queries.ts'
import { querySubject } from '../../protocol/subjects.ts'
import { formatTime } from '../../protocol/time.ts'
import type { Diagnose } from '../lifecycle/decide.ts'
import type { PodState } from '../lifecycle/pod-state.ts'
import { decodeState } from '../lifecycle/pod-state-codec.ts'
import { toReport } from '../lifecycle/report.ts'
import type { Bus, Subscription } from '../runtime/bus/bus.ts'
import { META } from '../runtime/host/worker-batch.ts'
import type { Store } from '../runtime/store/store.ts'
import { type DebugSloContext, debugSlo } from './debugslo.ts'
import { searchPods } from './pods-search.ts'
import { QueryFailure } from './query-failure.ts'
import { boundReply, DEFAULT_MAX_REPLY_BYTES, REPLY_HEADER_RESERVE } from './reply-bound.ts'

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
  /** debugslo reads windows of at most this many verdicts whole (exact; default 10,000). */
  maxExactVerdicts?: number
  /** A pods search page reads at most this many pod states (default 5,000). */
  maxScan?: number
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
  /** debugslo windows of at most this many verdicts are read whole: exact filters and percentiles. */
  // Reading a verdict (state decode, report, diagnosis) measured 0.2–0.5 ms on 2 shared cores:
  // 10,000 stay inside the gateway's 5 s query timeout, 50,000 would not.
  maxExactVerdicts: 10_000,
  /** Pod states one pods search page reads at most. */
  maxScan: 5000,
  /** Deepest index position a page may start at (past the exact limit, pages go by position). */
  maxPosition: 1_000_000,
} as const

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

  async function debugpod(data: Uint8Array): Promise<DebugPodReply> {
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
    for (const uid of others.slice(0, maxHistory)) {
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

  const maxReplyBytes = () => replyLimit()
  const sloContext = (): DebugSloContext => ({
    store,
    load,
    report,
    maxExact: opts.maxExactVerdicts ?? QUERY_BOUNDS.maxExactVerdicts,
    maxRollupReads,
    maxNamespaces,
    maxPosition: QUERY_BOUNDS.maxPosition,
    maxWindowUs: QUERY_BOUNDS.maxWindowUs,
    rollupConcurrency: QUERY_BOUNDS.rollupConcurrency,
    maxReplyBytes: maxReplyBytes(),
  })
  const debugslo = (data: Uint8Array) => debugSlo(sloContext(), parse(DebugSloRequest, data))
  const pods = (data: Uint8Array) =>
    searchPods(
      {
        store,
        load,
        report,
        now,
        maxScan: opts.maxScan ?? QUERY_BOUNDS.maxScan,
        maxPosition: QUERY_BOUNDS.maxPosition,
        maxReplyBytes: maxReplyBytes(),
      },
      parse(PodsRequest, data),
    )

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
