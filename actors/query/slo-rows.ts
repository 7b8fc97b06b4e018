import type { PodReport, ReportPhases } from '../../protocol/pod-report.ts'
import type { SloPod } from '../../protocol/queries.ts'
import { formatTime } from '../../protocol/time.ts'
import type { PodState } from '../lifecycle/pod-state.ts'
import { decodeState } from '../lifecycle/pod-state-codec.ts'
import type { Store } from '../runtime/store/store.ts'

/** One verdict as the SLO queries list, filter, sort and aggregate it. */
export interface SloRow {
  readonly pod: SloPod
  /** Sort time (epoch µs): when the SLO finished, else the pod's newest signal. */
  readonly sortUs: number
  /** The SLI of the listed SLO: delivery (create) or delete time, ms. */
  readonly latencyMs: number | null
  readonly phases: ReportPhases
  /** Diagnosis owner (`user`, `platform`, `unknown`), null without a diagnosis. */
  readonly owner: string | null
}

/** The filters a listing applies before paging. */
export interface RowFilter {
  readonly result?: string | undefined
  readonly code?: string | undefined
  readonly owner?: string | undefined
}

/** Whether a row passes the filters. */
export function passes(row: SloRow, f: RowFilter): boolean {
  return (
    (f.result === undefined || row.pod.result === f.result) &&
    (f.code === undefined || row.pod.code === f.code) &&
    (f.owner === undefined || row.owner === f.owner)
  )
}

/** Listing order: newest first, then by uid (a total order, so keyset cursors are exact). */
export function byNewest(a: SloRow, b: SloRow): number {
  return b.sortUs - a.sortUs || (a.pod.uid < b.pod.uid ? -1 : a.pod.uid > b.pod.uid ? 1 : 0)
}

/** Whether `row` comes after the cursor row (`t`, `u`) in `byNewest` order. */
export function after(row: SloRow, t: number, u: string): boolean {
  return row.sortUs < t || (row.sortUs === t && row.pod.uid > u)
}

/** The listed form of a pod for the `type` SLO, from its report. */
export function toRow(s: PodState, r: PodReport, type: 'create' | 'delete'): SloRow {
  const slo = type === 'create' ? r.slo.create : r.slo.delete
  const finishedAt = type === 'create' ? (s.ms.ready ?? s.ms.deleted) : s.ms.deleted
  const owner = r.diagnosis?.owner ?? null
  return {
    pod: {
      uid: s.uid,
      namespace: s.namespace,
      name: s.name,
      result: slo?.result ?? 'pending',
      code: r.diagnosis?.code ?? null,
      owner,
      deliveryMs: r.sli.deliveryMs,
      deleteMs: r.sli.deleteMs,
      finished: finishedAt ? formatTime(finishedAt.t, finishedAt.p) : null,
    },
    sortUs: finishedAt?.t ?? s.lastSignal,
    latencyMs: type === 'create' ? r.sli.deliveryMs : r.sli.deleteMs,
    phases: r.phases,
    owner,
  }
}

/** States read per store round trip. */
const CHUNK = 500

/**
 * The states of `uids` (in order, missing ones left out), read in chunks; a state that is gone
 * is looked up through `fallback` (aliases of merged static pods), one that cannot be decoded is
 * left out and counted in `unreadable`.
 */
export async function loadStates(
  store: Store,
  uids: readonly string[],
  fallback: (uid: string) => Promise<PodState | null>,
): Promise<{ states: PodState[]; unreadable: number }> {
  const states: PodState[] = []
  let unreadable = 0
  for (let i = 0; i < uids.length; i += CHUNK) {
    const chunk = uids.slice(i, i + CHUNK)
    const jsons = await store.getStates(chunk)
    for (const [j, uid] of chunk.entries()) {
      const json = jsons[j]
      try {
        const s = json ? decodeState(uid, json) : await fallback(uid)
        if (s) states.push(s)
      } catch {
        unreadable++
      }
    }
  }
  return { states, unreadable }
}
