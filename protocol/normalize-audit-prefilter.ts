import { AUDITED_VERBS, type AuditedResource } from './normalize-audit-resources.ts'
import {
  plainString,
  type Scanned,
  STOPPED,
  scanFields,
  scanObject,
  UNREADABLE,
} from './normalize-audit-scan.ts'
import type { DropReason } from './pod-signal.ts'
import { parseTime } from './time.ts'

const TOP = new Set([
  'kind',
  'apiVersion',
  'auditID',
  'stage',
  'verb',
  'objectRef',
  'responseStatus',
  'stageTimestamp',
  'timestamp',
  'items',
  'logEvents',
  'records',
])
const REF = new Set(['resource', 'subresource', 'apiGroup', 'namespace'])

function resourceOf(f: Map<string, Scanned>): AuditedResource | undefined | typeof UNREADABLE {
  const resource = f.get('resource')
  const sub = f.get('subresource') ?? ''
  const group = f.get('apiGroup') ?? ''
  if (resource === UNREADABLE || sub === UNREADABLE || group === UNREADABLE) return UNREADABLE
  if (resource === 'events' && (group === '' || group === 'events.k8s.io') && sub === '') {
    return 'events'
  }
  if (resource !== 'pods' || group !== '') return undefined
  if (sub === '') return 'pods'
  if (sub === 'binding' || sub === 'status' || sub === 'eviction') return `pods/${sub}`
  return undefined
}

/** Members an API server writes after the fields the pre-filter reads: the (big) bodies. */
const BODIES = new Set(['requestObject', 'responseObject'])

/** What a scan of a record's top level found. */
interface Scan {
  readonly f: Map<string, Scanned>
  refStart: number
  refEnd: number
  /** First character of `responseStatus`'s value (123 for an object), -1 if absent. */
  status: number
  dupRef: boolean
  /** The scan stopped at the bodies: later members were not seen. */
  stopped: boolean
}

function scanTop(text: string, stopAt: ReadonlySet<string> | undefined): Scan | undefined {
  const scan: Scan = {
    f: new Map(),
    refStart: -1,
    refEnd: -1,
    status: -1,
    dupRef: false,
    stopped: false,
  }
  const { f } = scan
  const end = scanObject(
    text,
    0,
    (key, s, e) => {
      if (!TOP.has(key)) return
      // A repeated field: JSON.parse keeps the last one; the scan does not guess.
      f.set(key, f.has(key) ? UNREADABLE : plainString(text, s, e))
      if (key === 'objectRef') {
        scan.dupRef = scan.refStart >= 0
        scan.refStart = s
        scan.refEnd = e
      } else if (key === 'responseStatus') scan.status = text.charCodeAt(s)
    },
    stopAt,
  )
  if (end === STOPPED) scan.stopped = true
  else if (end < 0) return undefined
  return scan
}

/** Whether a scan saw what a verdict needs before it stopped at the bodies. */
function complete(f: Map<string, Scanned>): boolean {
  return f.has('auditID') && f.has('verb') && f.has('objectRef') && f.has('stage')
}

/**
 * The pre-filter of audit JSON lines: reads the top level of the object in `text` structurally
 * (`scanObject`, no `JSON.parse`), stopping at `requestObject`/`responseObject` when every
 * field it needs came before them (the order API servers write), and returns the reason
 * `normalizeAuditEvent` would drop the record for (`irrelevant-stage`, `irrelevant-resource`,
 * `irrelevant-verb` or `ignored-namespace`, in that function's order), or undefined when the
 * record may matter or the scan cannot tell. Only a line that reads as an audit Event
 * (apiVersion `audit.k8s.io/*`, or kind `Event` with an auditID; no list or batch) whose fields
 * are plain (auditID, verb, stage and objectRef strings without escapes, none repeated) is
 * judged. A dropped record is not validated further: a record about a resource we never read
 * counts as dropped even if another of its fields is malformed.
 */
export function prefilterAuditLine(
  text: string,
  ignoredNamespaces?: ReadonlySet<string>,
): DropReason | undefined {
  let scan = scanTop(text, BODIES)
  if (scan?.stopped && !complete(scan.f)) scan = scanTop(text, undefined)
  if (!scan) return undefined
  const { f } = scan
  const kind = f.get('kind')
  const apiVersion = f.get('apiVersion')
  if (f.has('items') || f.has('logEvents') || f.has('records')) return undefined
  if (kind === UNREADABLE || apiVersion === UNREADABLE) return undefined
  const audit =
    apiVersion?.startsWith('audit.k8s.io/') === true || (kind === 'Event' && f.has('auditID'))
  if (!audit) return undefined
  const auditID = f.get('auditID')
  const verb = f.get('verb')
  if (typeof auditID !== 'string' || auditID === '' || typeof verb !== 'string') return undefined
  const stageTime = f.get('stageTimestamp')
  const oldTime = f.get('timestamp')
  if (stageTime === UNREADABLE || oldTime === UNREADABLE) return undefined
  if (!scan.stopped && !parseTime(stageTime) && !parseTime(oldTime)) return undefined
  const stage = f.get('stage')
  if (stage === UNREADABLE) return undefined
  // `responseStatus` must be an object (else the schema rejects the record).
  if (f.has('responseStatus') && scan.status !== 123) return undefined
  const effective = stage ?? (f.has('responseStatus') ? 'ResponseComplete' : undefined)
  if (effective !== 'ResponseComplete') return 'irrelevant-stage'
  const ref = new Map<string, Scanned>()
  if (f.has('objectRef')) {
    if (scan.dupRef || text.charCodeAt(scan.refStart) !== 123) return undefined
    if (scanFields(text, scan.refStart, REF, ref) !== scan.refEnd) return undefined
  }
  return judgeRef(ref, verb, ignoredNamespaces)
}

/** The shared last step of both checks: resource, then verb, then ignored namespace. */
function judgeRef(
  ref: Map<string, Scanned>,
  verb: string,
  ignoredNamespaces: ReadonlySet<string> | undefined,
): DropReason | undefined {
  const resource = resourceOf(ref)
  if (resource === UNREADABLE) return undefined
  if (resource === undefined) return 'irrelevant-resource'
  if (!AUDITED_VERBS[resource].includes(verb)) return 'irrelevant-verb'
  const namespace = ref.get('namespace')
  if (typeof namespace === 'string' && namespace && ignoredNamespaces?.has(namespace)) {
    return 'ignored-namespace'
  }
  return undefined
}

const optString = (x: unknown): x is string | undefined => x === undefined || typeof x === 'string'
const isPlainObject = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x)

/**
 * The same verdict on an already parsed record, before its schema is checked: what
 * `normalizeAuditEvent` would drop it for (stage, resource, verb, ignored namespace), or
 * undefined when it may matter (then the full schema runs). Judged only when the fields it
 * reads have the types the schema wants and a stage time parses; the rest of a dropped record
 * is not validated (as with `prefilterAuditLine`).
 */
export function quickDropAudit(
  e: Record<string, unknown>,
  ignoredNamespaces?: ReadonlySet<string>,
): DropReason | undefined {
  const { auditID, verb, stage, responseStatus, objectRef } = e
  if (typeof auditID !== 'string' || auditID === '' || typeof verb !== 'string') return undefined
  if (!optString(stage) || !(responseStatus === undefined || isPlainObject(responseStatus))) {
    return undefined
  }
  if (!optString(e.stageTimestamp) || !optString(e.timestamp)) return undefined
  if (!parseTime(e.stageTimestamp) && !parseTime(e.timestamp)) return undefined
  const effective = stage ?? (responseStatus ? 'ResponseComplete' : undefined)
  if (effective !== 'ResponseComplete') return 'irrelevant-stage'
  const ref = new Map<string, Scanned>()
  if (objectRef !== undefined) {
    if (!isPlainObject(objectRef)) return undefined
    for (const key of REF) {
      const value = objectRef[key]
      if (!optString(value)) return undefined
      if (value !== undefined) ref.set(key, value)
    }
  }
  return judgeRef(ref, verb, ignoredNamespaces)
}
