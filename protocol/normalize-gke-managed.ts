import { isRecord } from './k8s-pod-support.ts'
import { type AuditNormalizeOptions, normalizeAuditEvent } from './normalize-audit.ts'
import { gkeEntryToAuditEvent, unwrapManagedAuditRecord } from './normalize-gke.ts'
import type { Normalized } from './pod-signal.ts'

/**
 * Normalises an audit record in any of the shapes we accept: a raw audit Event, a GKE Cloud
 * Audit Logs entry (`protoPayload`), or an EKS/AKS wrapper of a raw Event.
 */
export function normalizeAuditRecord(x: unknown, opts: AuditNormalizeOptions = {}): Normalized {
  if (isRecord(x) && 'protoPayload' in x) {
    const converted = gkeEntryToAuditEvent(x)
    return converted.ok ? normalizeAuditEvent(converted.event, opts) : converted
  }
  const unwrapped = unwrapManagedAuditRecord(x)
  if (!unwrapped) return normalizeAuditEvent(x, opts)
  return unwrapped.ok ? normalizeAuditEvent(unwrapped.event, opts) : unwrapped
}
