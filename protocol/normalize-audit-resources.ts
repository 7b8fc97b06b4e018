import type { AuditEvent } from './k8s-audit.ts'

/** The audited resources we act on, as `resource` or `resource/subresource`. */
export const AUDITED_RESOURCES = [
  'pods',
  'pods/binding',
  'pods/status',
  'pods/eviction',
  'events',
] as const
/** One of `AUDITED_RESOURCES`. */
export type AuditedResource = (typeof AUDITED_RESOURCES)[number]

/** The verbs acted on per resource; any other verb is `irrelevant-verb`. */
export const AUDITED_VERBS: Readonly<Record<AuditedResource, readonly string[]>> = {
  pods: ['create', 'update', 'patch', 'delete'],
  'pods/binding': ['create'],
  'pods/status': ['update', 'patch'],
  'pods/eviction': ['create'],
  events: ['create', 'update', 'patch'],
}

/** Which audited resource a record is about, or `undefined` (irrelevant). */
export function auditedResource(e: AuditEvent): AuditedResource | undefined {
  const ref = e.objectRef
  if (!ref) return undefined
  const group = ref.apiGroup ?? ''
  const sub = ref.subresource ?? ''
  if (ref.resource === 'events' && (group === '' || group === 'events.k8s.io') && sub === '') {
    return 'events'
  }
  if (ref.resource !== 'pods' || group !== '') return undefined
  if (sub === '') return 'pods'
  if (sub === 'binding' || sub === 'status' || sub === 'eviction') return `pods/${sub}`
  return undefined
}
