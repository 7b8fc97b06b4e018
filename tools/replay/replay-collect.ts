import type { Diagnose } from '../../actors/lifecycle/decide.ts'
import { createdMark } from '../../actors/lifecycle/derived.ts'
import { decodeState } from '../../actors/lifecycle/pod-state-codec.ts'
import { toReport } from '../../actors/lifecycle/report.ts'
import type { Store } from '../../actors/runtime/store/store.ts'
import type { SloConfig } from '../../config/slo-config.ts'
import type { PodReport } from '../../protocol/pod-report.ts'

/**
 * Reads every pod of the partitions back from the store and builds its report (with diagnosis at
 * the end-of-input clock), sorted by `created` (else the rejection time, else last) then `uid`.
 */
export async function collectReports(
  store: Store,
  partitions: number,
  config: SloConfig,
  diagnose: Diagnose,
  clock: number,
): Promise<PodReport[]> {
  const rows: { at: number; report: PodReport }[] = []
  for (let p = 0; p < partitions; p++) {
    const uids = (await store.members(p)).sort()
    const jsons = await store.getStates(uids)
    for (const [i, uid] of uids.entries()) {
      const json = jsons[i]
      if (!json) continue
      const state = decodeState(uid, json)
      const diagnosis = diagnose(state, clock, state.slo.create.result)
      const at = createdMark(state)?.t ?? state.createFailure?.t ?? Number.POSITIVE_INFINITY
      rows.push({ at, report: toReport(state, config, diagnosis) })
    }
  }
  rows.sort(
    (a, b) =>
      (a.at === b.at ? 0 : a.at < b.at ? -1 : 1) ||
      (a.report.uid < b.report.uid ? -1 : a.report.uid > b.report.uid ? 1 : 0),
  )
  return rows.map((r) => r.report)
}
