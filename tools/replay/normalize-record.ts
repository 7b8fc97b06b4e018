import type { SloConfig } from '../../config/slo-config.ts'
import { normalizeAuditEvent } from '../../protocol/normalize-audit.ts'
import { normalizeK8sEvent } from '../../protocol/normalize-event.ts'
import { gkeEntryToAuditEvent } from '../../protocol/normalize-gke.ts'
import { normalizePod } from '../../protocol/normalize-pod.ts'
import type { Normalized } from '../../protocol/pod-signal.ts'
import type { InputRecord } from './read-inputs.ts'

/** Turns one record read from a replay input into signals (or a drop / invalid reason). */
export function normalizeRecord(record: InputRecord, config: SloConfig): Normalized {
  const ignoredNamespaces = config.ignoredNamespaceForAudit
  switch (record.kind) {
    case 'malformed':
      return { ok: false, invalid: record.error }
    case 'dropped':
      return { ok: false, dropped: record.reason }
    case 'audit':
      return normalizeAuditEvent(record.value, { ignoredNamespaces })
    case 'gke': {
      const unwrapped = gkeEntryToAuditEvent(record.value)
      if (!unwrapped.ok) return unwrapped
      return normalizeAuditEvent(unwrapped.event, { ignoredNamespaces })
    }
    case 'k8s-event':
      return normalizeK8sEvent(record.value, {
        source: 'event',
        finalState: true,
        ignoredNamespaces,
      })
    case 'pod':
      return normalizePod(record.value, {
        source: 'list',
        ignoredNamespaces,
        ...(record.observedAt === undefined ? {} : { observedAt: record.observedAt }),
      })
    case 'other':
      return { ok: false, dropped: 'irrelevant-resource' }
  }
}
