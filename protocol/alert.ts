import * as v from 'valibot'
import { ReportDiagnosis } from './pod-report.ts'

/** Alert kinds (LIFECYCLE §5): one per transition, plus `recovered` when a violated pod is ready. */
export const AlertKind = v.picklist(['violated', 'failed', 'late', 'recovered', 'timeout'])
export type AlertKind = v.InferOutput<typeof AlertKind>

/**
 * An SLO alert, published on `lunettes.alerts.slo.<namespace>`. `id` (`<uid>:<slo>:<kind>`) is the
 * dedupe key: a redelivered signal or a re-run replay never publishes the same alert twice.
 */
export const SloAlert = v.object({
  v: v.literal(1),
  id: v.string(),
  kind: AlertKind,
  slo: v.picklist(['create', 'delete']),
  uid: v.string(),
  namespace: v.string(),
  name: v.string(),
  /** When the transition happened (RFC 3339, µs). */
  at: v.string(),
  deadline: v.nullable(v.string()),
  thresholdMs: v.number(),
  result: v.string(),
  /**
   * What blocks (or blocked) the pod, when known: the create diagnosis for `create` alerts, the
   * delete diagnosis (`DeleteBlocked.*`) for `delete` alerts.
   */
  diagnosis: v.nullable(ReportDiagnosis),
})
export type SloAlert = v.InferOutput<typeof SloAlert>

/** Subject an alert is published on. */
export function alertSubject(namespace: string): string {
  return `lunettes.alerts.slo.${namespace}`
}
