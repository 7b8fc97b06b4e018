import * as v from 'valibot'
import { MAX_EVENTLIST_ITEMS, MAX_UID_LENGTH } from './limits.ts'

// Loose objects: audit events carry more than we read (impersonatedUser, metadata, …), and
// trimmed real lines lack `apiVersion`, `stage` or `user`.
const Str = v.optional(v.string())

/** The object a request acted on. `uid` is often empty; `subresource` is e.g. `status`. */
export const AuditObjectRef = v.looseObject({
  resource: Str,
  namespace: Str,
  name: Str,
  uid: Str,
  apiGroup: Str,
  apiVersion: Str,
  resourceVersion: Str,
  subresource: Str,
})
export type AuditObjectRef = v.InferOutput<typeof AuditObjectRef>

/** A meta/v1 Status as audit events carry it; on success often only `code`. */
export const AuditResponseStatus = v.looseObject({
  code: v.optional(v.number()),
  message: Str,
  reason: Str,
  status: Str,
  /** On failures: the object the request was about (`name` is the generated one on create). */
  details: v.optional(v.looseObject({ name: Str, kind: Str })),
})
export type AuditResponseStatus = v.InferOutput<typeof AuditResponseStatus>

/** The authenticated user of the request. */
export const AuditUser = v.looseObject({
  username: Str,
  uid: Str,
  groups: v.optional(v.array(v.string())),
  extra: v.optional(v.record(v.string(), v.array(v.string()))),
})
export type AuditUser = v.InferOutput<typeof AuditUser>

/**
 * An `audit.k8s.io/v1` (or `v1beta1`) `Event`: one stage of one API request. Times are RFC 3339
 * strings with microseconds (`requestReceivedTimestamp`, `stageTimestamp`); very old events
 * have only `timestamp`. `requestObject` is the body as sent (for `patch`, the patch document:
 * an object, or a JSON Patch array); `responseObject` the object after the write.
 */
export const AuditEvent = v.looseObject({
  kind: Str,
  apiVersion: Str,
  level: Str,
  auditID: v.pipe(
    v.string(),
    v.nonEmpty('auditID is empty'),
    v.maxLength(MAX_UID_LENGTH, `auditID is over ${MAX_UID_LENGTH} characters`),
  ),
  stage: Str,
  requestURI: Str,
  verb: v.string(),
  user: v.optional(AuditUser),
  impersonatedUser: v.optional(v.nullable(AuditUser)),
  sourceIPs: v.optional(v.array(v.string())),
  userAgent: Str,
  objectRef: v.optional(AuditObjectRef),
  responseStatus: v.optional(AuditResponseStatus),
  requestObject: v.optional(v.unknown()),
  responseObject: v.optional(v.unknown()),
  requestReceivedTimestamp: Str,
  stageTimestamp: Str,
  timestamp: Str,
  annotations: v.optional(v.record(v.string(), v.string())),
})
export type AuditEvent = v.InferOutput<typeof AuditEvent>

/** The audit stages (`Panic` included); only `ResponseComplete` is acted on. */
export const AuditStage = v.picklist([
  'RequestReceived',
  'ResponseStarted',
  'ResponseComplete',
  'Panic',
])
export type AuditStage = v.InferOutput<typeof AuditStage>

/**
 * An `audit.k8s.io/v1` `EventList`: what the webhook backend POSTs (up to 400 items per batch
 * by default). Every item must be a valid `AuditEvent`; use `AuditEventListEnvelope` to accept
 * the batch and judge items one by one.
 */
export const AuditEventList = v.looseObject({
  kind: v.optional(v.literal('EventList')),
  apiVersion: Str,
  metadata: v.optional(v.unknown()),
  items: v.array(AuditEvent),
})
export type AuditEventList = v.InferOutput<typeof AuditEventList>

/**
 * An `EventList` whose items are not validated yet: a batch with one bad item is still a batch,
 * and each item goes through `normalizeAuditEvent` on its own.
 */
export const AuditEventListEnvelope = v.looseObject({
  kind: v.literal('EventList'),
  apiVersion: Str,
  metadata: v.optional(v.unknown()),
  items: v.nullish(v.array(v.unknown())),
})
export type AuditEventListEnvelope = v.InferOutput<typeof AuditEventListEnvelope>

/**
 * Why an EventList is refused whole for its size, or `undefined`: more than
 * {@link MAX_EVENTLIST_ITEMS} items. The webhook answers 413 with this text.
 */
export function eventListSizeProblem(items: readonly unknown[]): string | undefined {
  if (items.length <= MAX_EVENTLIST_ITEMS) return undefined
  return `the EventList holds ${items.length} items, more than the ${MAX_EVENTLIST_ITEMS} accepted in one request; send smaller batches (--audit-webhook-batch-max-size)`
}
