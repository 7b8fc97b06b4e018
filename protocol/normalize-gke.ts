import * as v from 'valibot'
import type { AuditEvent } from './k8s-audit.ts'
import { isRecord, issueText, jsonType, present, text } from './k8s-pod-support.ts'
import { parseGkeMethod, parseGkeResourceName, requestUri } from './normalize-gke-names.ts'
import type { DropReason } from './pod-signal.ts'

const Str = v.nullish(v.string())

/** A Cloud Logging entry of a GKE Cloud Audit Log (the fields we read; loose). */
export const GkeAuditEntry = v.looseObject({
  insertId: Str,
  timestamp: v.string(),
  receiveTimestamp: Str,
  labels: v.nullish(v.record(v.string(), v.string())),
  operation: v.nullish(v.looseObject({ id: Str })),
  protoPayload: v.looseObject({
    '@type': Str,
    serviceName: Str,
    methodName: v.string(),
    resourceName: Str,
    authenticationInfo: v.nullish(v.looseObject({ principalEmail: Str })),
    requestMetadata: v.nullish(v.looseObject({ callerIp: Str, callerSuppliedUserAgent: Str })),
    request: v.nullish(v.unknown()),
    response: v.nullish(v.unknown()),
    status: v.nullish(v.looseObject({ code: v.nullish(v.number()), message: Str })),
  }),
})
export type GkeAuditEntry = v.InferOutput<typeof GkeAuditEntry>

/** `@type` of the Cloud Audit Logs payload. */
export const AUDIT_LOG_TYPE = 'type.googleapis.com/google.cloud.audit.AuditLog'

/** gRPC status codes (google.rpc.Code) to the HTTP status the API server answered. */
const GRPC_TO_HTTP: Readonly<Record<number, number>> = {
  1: 499,
  2: 500,
  3: 400,
  4: 504,
  5: 404,
  6: 409,
  7: 403,
  8: 429,
  9: 400,
  10: 409,
  11: 400,
  12: 501,
  13: 500,
  14: 503,
  15: 500,
  16: 401,
}

/**
 * The HTTP status behind a Cloud Audit Log `status.code` (gRPC). Success (0) does not say which
 * 2xx was sent: 201 for a `create` of a resource, 200 otherwise (patch, update, delete, and
 * creates of subresources such as `pods/binding`). Errors: 3 → 400, 5 → 404, 6 → 409, 7 → 403,
 * 8 → 429, 13 → 500, 16 → 401, …; unknown codes → 500.
 */
export function grpcToHttp(code: number, verb: string, subresource: string | undefined): number {
  if (code === 0) return verb === 'create' && subresource === undefined ? 201 : 200
  return GRPC_TO_HTTP[code] ?? 500
}

/** Result of `gkeEntryToAuditEvent`. */
export type GkeConversion =
  | { readonly ok: true; readonly event: AuditEvent }
  | { readonly ok: false; readonly invalid: string }
  | { readonly ok: false; readonly dropped: DropReason }

/**
 * Converts a GKE Cloud Audit Logs entry (`protoPayload` of type AuditLog, service `k8s.io`)
 * into the `audit.k8s.io/v1` Event the API server would have written: verb and resource from
 * `methodName` (`io.k8s.core.v1.pods.status.patch`), namespace/name from `resourceName`, user
 * from `authenticationInfo.principalEmail`, bodies from `request`/`response`, auditID =
 * `operation.id` (else `insertId`), stage `ResponseComplete`, `stageTimestamp` = the entry's
 * `timestamp`, and `responseStatus.code` mapped from gRPC (`grpcToHttp`). Entries of other
 * services or payload types → dropped `irrelevant-resource`.
 */
export function gkeEntryToAuditEvent(entry: unknown): GkeConversion {
  if (!isRecord(entry)) {
    return { ok: false, invalid: `gke entry: expected an object, got ${jsonType(entry)}` }
  }
  if (!isRecord(entry.protoPayload)) return { ok: false, invalid: 'gke entry: no protoPayload' }
  const type = entry.protoPayload['@type']
  const service = entry.protoPayload.serviceName
  if (
    (type !== undefined && type !== AUDIT_LOG_TYPE) ||
    (service != null && service !== 'k8s.io')
  ) {
    return { ok: false, dropped: 'irrelevant-resource' }
  }
  const parsed = v.safeParse(GkeAuditEntry, entry)
  if (!parsed.success) return { ok: false, invalid: issueText('gke entry', parsed.issues) }
  const { protoPayload: p, ...e } = parsed.output
  const method = parseGkeMethod(p.methodName)
  if (!method) return { ok: false, dropped: 'irrelevant-resource' }
  const auditID = text(e.operation?.id) ?? text(e.insertId)
  if (!auditID) return { ok: false, invalid: 'gke entry: no operation.id or insertId' }
  const ref = parseGkeResourceName(text(p.resourceName))
  const subresource = ref?.subresource ?? method.subresource
  const code = grpcToHttp(p.status?.code ?? 0, method.verb, subresource)
  const response = isRecord(p.response) ? p.response : undefined
  const failed = code >= 400
  const callerIp = text(p.requestMetadata?.callerIp)
  const objectRef = present<NonNullable<AuditEvent['objectRef']>>({
    resource: method.resource,
    namespace: ref?.namespace,
    name: ref?.name,
    apiGroup: method.apiGroup,
    apiVersion: method.apiVersion,
    subresource,
  })
  const event = present<AuditEvent>({
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: p.response != null ? 'RequestResponse' : p.request != null ? 'Request' : 'Metadata',
    auditID,
    stage: 'ResponseComplete',
    requestURI: requestUri(method, objectRef),
    verb: method.verb,
    user: present<NonNullable<AuditEvent['user']>>({
      username: text(p.authenticationInfo?.principalEmail),
    }),
    sourceIPs: callerIp ? [callerIp] : undefined,
    userAgent: text(p.requestMetadata?.callerSuppliedUserAgent),
    objectRef,
    responseStatus: present<NonNullable<AuditEvent['responseStatus']>>({
      code,
      message: failed ? text(p.status?.message) : undefined,
      reason: failed && response?.kind === 'Status' ? text(response.reason) : undefined,
      status: failed ? 'Failure' : undefined,
    }),
    requestObject: p.request ?? undefined,
    responseObject: p.response ?? undefined,
    stageTimestamp: e.timestamp,
    annotations: e.labels ?? undefined,
  })
  return { ok: true, event }
}

/** Which managed-cluster export wrapped a raw audit Event. */
export type ManagedWrapper = 'eks' | 'aks'

/** Result of `unwrapManagedAuditRecord` for a recognised wrapper. */
export type ManagedUnwrap =
  | { readonly ok: true; readonly wrapper: ManagedWrapper; readonly event: unknown }
  | { readonly ok: false; readonly invalid: string }

function parseInner(json: string, wrapper: ManagedWrapper): ManagedUnwrap {
  let event: unknown
  try {
    event = JSON.parse(json)
  } catch (err: unknown) {
    const why = err instanceof Error ? err.message : String(err)
    return { ok: false, invalid: `${wrapper} record: audit event JSON does not parse: ${why}` }
  }
  if (!isRecord(event) || (event.auditID === undefined && event.kind !== 'Event')) {
    return { ok: false, invalid: `${wrapper} record: wrapped JSON is not an audit event` }
  }
  return { ok: true, wrapper, event }
}

/**
 * Recognises a raw audit Event wrapped by a managed cluster's log export and returns it still
 * unvalidated: EKS CloudWatch Logs events (`{ message: "<audit Event JSON>", timestamp, … }`,
 * log streams `kube-apiserver-audit-*`) and AKS diagnostic records (categories `kube-audit` /
 * `kube-audit-admin`: `{ category, properties: { log: "<audit Event JSON>" } }`). Returns
 * `undefined` when the input is not such a wrapper (a raw audit Event, a GKE entry, an Event
 * whose `message` is prose), and `invalid` when the wrapped string is not an audit Event.
 */
export function unwrapManagedAuditRecord(x: unknown): ManagedUnwrap | undefined {
  if (!isRecord(x)) return undefined
  const props = x.properties
  if (isRecord(props) && typeof props.log === 'string') return parseInner(props.log, 'aks')
  const message = x.message
  if (typeof message !== 'string' || 'auditID' in x || 'kind' in x) return undefined
  if (!message.trimStart().startsWith('{')) return undefined
  return parseInner(message, 'eks')
}
