import type { AuditObjectRef } from './k8s-audit.ts'

/** What a Cloud Audit Logs `methodName` such as `io.k8s.core.v1.pods.status.patch` says. */
export interface GkeMethod {
  /** API group as Kubernetes names it: `''` for core, `events.k8s.io`, `apps`, … */
  readonly apiGroup: string
  readonly apiVersion: string
  readonly resource: string
  readonly subresource?: string
  readonly verb: string
}

const VERSION = /^v\d+(?:(?:alpha|beta)\d+)?$/
// Kubernetes resource, subresource and verb names are lower case (`pods`, `status`, `patch`).
const LOWER = /^[a-z][a-z0-9-]*$/
// Built-in groups whose name has no `.k8s.io` suffix.
const LEGACY_GROUPS = new Set(['apps', 'batch', 'autoscaling', 'policy', 'extensions'])

function groupOf(segments: readonly string[]): string {
  if (segments[0] === 'io' && segments[1] === 'k8s') {
    const inner = segments.slice(2)
    if (inner.length === 1 && inner[0] === 'core') return ''
    if (inner.length === 1 && LEGACY_GROUPS.has(inner[0] ?? '')) return inner[0] ?? ''
    return [...inner].reverse().concat('k8s', 'io').join('.')
  }
  return [...segments].reverse().join('.')
}

/**
 * Parses a GKE audit `methodName`: reverse-DNS group, version, resource, optional subresource,
 * verb (`io.k8s.events.v1.events.create` → group `events.k8s.io`). `undefined` when it does not
 * name a resource verb.
 */
export function parseGkeMethod(methodName: string): GkeMethod | undefined {
  const parts = methodName.split('.')
  const at = parts.findIndex((p) => VERSION.test(p))
  if (at < 1) return undefined
  const rest = parts.slice(at + 1)
  const [resource, a, b] = rest
  const apiVersion = parts[at] ?? ''
  const apiGroup = groupOf(parts.slice(0, at))
  if (!resource || !a || rest.length > 3 || !rest.every((p) => LOWER.test(p))) return undefined
  if (b === undefined) return { apiGroup, apiVersion, resource, verb: a }
  return { apiGroup, apiVersion, resource, subresource: a, verb: b }
}

/** What a GKE `resourceName` (`core/v1/namespaces/<ns>/pods/<name>[/status]`) says. */
export interface GkeResourceName {
  readonly namespace?: string
  readonly name?: string
  readonly subresource?: string
}

/** Parses a GKE `resourceName`; `undefined` when absent. */
export function parseGkeResourceName(
  resourceName: string | undefined,
): GkeResourceName | undefined {
  if (!resourceName) return undefined
  const parts = resourceName.split('/')
  const namespaced = parts[2] === 'namespaces' && parts.length >= 5
  const namespace = namespaced ? parts[3] : undefined
  const [, name, subresource] = parts.slice(namespaced ? 4 : 2)
  const out: { namespace?: string; name?: string; subresource?: string } = {}
  if (namespace) out.namespace = namespace
  if (name) out.name = name
  if (subresource) out.subresource = subresource
  return out
}

/** The request path the API server saw, rebuilt from the method and objectRef. */
export function requestUri(method: GkeMethod, ref: AuditObjectRef): string {
  const root =
    method.apiGroup === ''
      ? `/api/${method.apiVersion}`
      : `/apis/${method.apiGroup}/${method.apiVersion}`
  const ns = ref.namespace ? `/namespaces/${ref.namespace}` : ''
  const name = ref.name && method.verb !== 'create' ? `/${ref.name}` : ''
  const sub = ref.subresource && ref.name ? `/${ref.name}/${ref.subresource}` : name
  return `${root}${ns}/${method.resource}${sub}`
}
