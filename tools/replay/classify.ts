import { cleanMessage, jsonType } from './json-lines.ts'

/** What an input object is (see {@link classifyObject}). */
export type ObjectKind = 'audit' | 'gke' | 'k8s-event' | 'pod' | 'other'

/** One object found in an input value, or why a part of it is unusable. */
export type Classified =
  | { readonly kind: ObjectKind; readonly value: Record<string, unknown> }
  | { readonly error: string }

type Obj = Record<string, unknown>

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)
const str = (v: unknown): string => (typeof v === 'string' ? v : '')

/**
 * Classifies one object:
 * - `audit`: apiVersion `audit.k8s.io/*`, or kind `Event` with `auditID`, `stage` or `verb`
 *   (hand-trimmed Falco events lack apiVersion);
 * - `gke`: a Cloud Logging entry (`protoPayload`);
 * - `k8s-event`: an `involvedObject` (core/v1 Event, kind `Event` or none), or `regarding` with
 *   kind `Event` / apiVersion `events.k8s.io/*`;
 * - `pod`: kind `Pod`, or no kind and `metadata` + `spec.containers` + `status`;
 * - `other`: anything else (ReplicaSets, Deployments, unrelated log lines).
 */
export function classifyObject(o: Obj): ObjectKind {
  const apiVersion = str(o.apiVersion)
  const kind = str(o.kind)
  if (apiVersion.startsWith('audit.k8s.io/')) return 'audit'
  if (kind === 'Event' && ('auditID' in o || 'stage' in o || 'verb' in o)) return 'audit'
  if (isObj(o.protoPayload)) return 'gke'
  if ((kind === 'Event' || kind === '') && isObj(o.involvedObject)) return 'k8s-event'
  if ((kind === 'Event' || apiVersion.startsWith('events.k8s.io/')) && isObj(o.regarding)) {
    return 'k8s-event'
  }
  if (kind === 'Pod') return 'pod'
  if (kind === '' && isObj(o.metadata) && isObj(o.status) && isObj(o.spec)) {
    if (Array.isArray(o.spec.containers)) return 'pod'
  }
  return 'other'
}

/**
 * The array an object batches other objects in: `items` of a Kubernetes list (`EventList`,
 * `PodList`, `List`, audit `EventList`), `logEvents` of a CloudWatch subscription batch,
 * `records` of an Azure diagnostic export.
 */
function children(o: Obj): { readonly name: string; readonly items: unknown[] } | undefined {
  const kind = str(o.kind)
  if (Array.isArray(o.items) && (kind === '' || kind.endsWith('List'))) {
    return { name: 'items', items: o.items }
  }
  if (Array.isArray(o.logEvents)) return { name: 'logEvents', items: o.logEvents }
  if (Array.isArray(o.records) && kind === '') return { name: 'records', items: o.records }
  return undefined
}

/**
 * Items of a typed list often omit `kind`/`apiVersion` (raw API list responses); give them the
 * list's, so `PodList` items classify as pods and audit `EventList` items as audit events.
 */
function withListDefaults(item: Obj, list: Obj): Obj {
  const listKind = str(list.kind)
  const itemKind = listKind.endsWith('List') && listKind !== 'List' ? listKind.slice(0, -4) : ''
  const missingKind = !('kind' in item) && itemKind !== ''
  const missingVersion = !('apiVersion' in item) && typeof list.apiVersion === 'string'
  if (!missingKind && !missingVersion) return item
  return {
    ...(missingVersion ? { apiVersion: list.apiVersion } : {}),
    ...(missingKind ? { kind: itemKind } : {}),
    ...item,
  }
}

function parseWrapped(text: string, what: string): { value: unknown } | { error: string } {
  try {
    return { value: JSON.parse(text) }
  } catch (err: unknown) {
    const message = err instanceof Error ? err.message : String(err)
    return { error: `${what}: invalid JSON: ${cleanMessage(message)}` }
  }
}

/**
 * The raw event inside a managed-cluster wrapper (AUDIT.md): an EKS CloudWatch log event
 * `{message: "<audit event JSON>"}` or an AKS diagnostic record `{properties: {log: "<JSON>"}}`.
 * `undefined` when the object is no such wrapper.
 */
function unwrap(o: Obj): { value: unknown } | { error: string } | undefined {
  const props = o.properties
  if (isObj(props) && 'log' in props) {
    if (isObj(props.log)) return { value: props.log }
    if (typeof props.log === 'string' && props.log.trimStart().startsWith('{')) {
      return parseWrapped(props.log, 'AKS record properties.log')
    }
  }
  if (typeof o.message === 'string' && o.message.trimStart().startsWith('{')) {
    return parseWrapped(o.message, 'CloudWatch log event message')
  }
  return undefined
}

const MAX_DEPTH = 4

/**
 * Finds the objects in one parsed input value: the value itself, the `items` of a list, the
 * `logEvents` of a CloudWatch subscription batch, the `records` of an Azure export, or the event
 * inside an EKS/AKS wrapper. Errors name the place inside the value (`items[3]: …`).
 */
export function* classifyValue(value: unknown, path = '', depth = 0): Generator<Classified> {
  const at = path === '' ? '' : `${path}: `
  if (!isObj(value)) {
    yield { error: `${at}expected an object, got ${jsonType(value)}` }
    return
  }
  const batch = depth < MAX_DEPTH ? children(value) : undefined
  if (batch) {
    for (const [i, item] of batch.items.entries()) {
      const child = isObj(item) && batch.name === 'items' ? withListDefaults(item, value) : item
      yield* classifyValue(child, `${path}${path ? '.' : ''}${batch.name}[${i}]`, depth + 1)
    }
    return
  }
  const kind = classifyObject(value)
  if (kind !== 'other' || depth >= MAX_DEPTH) {
    yield { kind, value }
    return
  }
  const inner = unwrap(value)
  if (inner === undefined) yield { kind, value }
  else if ('error' in inner) yield { error: `${at}${inner.error}` }
  else yield* classifyValue(inner.value, path, depth + 1)
}
