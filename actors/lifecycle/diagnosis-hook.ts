import { ignoresDeleteReason } from '../../config/select-slo.ts'
import type { SloConfig } from '../../config/slo-config.ts'
import type { Diagnose } from './decide.ts'
import { diagnose, shouldDiagnose } from './diagnose.ts'

/**
 * The diagnosis hook `decide` and reports use: runs the engine when LIFECYCLE §6 says it should,
 * with the config's phase budgets and post-start hook timeout. In an `IgnoreDeleteReasonNamespace`
 * a pod killed before readiness gets no diagnosis (upstream semantics).
 */
export function createDiagnose(config: SloConfig): Diagnose {
  return function diagnoseFor(state, now, result) {
    if (result === 'killed' && ignoresDeleteReason(config, state.namespace)) return null
    if (!shouldDiagnose(result, state)) return null
    return diagnose(state, {
      budgets: config.budgetsMs,
      postStartHookTimeoutMs: config.postStartHookTimeoutMs,
      now,
      result,
    })
  }
}
