import { CONFIG_HASH_ANNOTATION, MIRROR_ANNOTATION } from '../../protocol/k8s-pod.ts'
import { normalizeK8sEvent } from '../../protocol/normalize-event.ts'
import { normalizePod } from '../../protocol/normalize-pod.ts'
import type { Normalized } from '../../protocol/pod-signal.ts'

/** What a list/watch loop follows: Pods, core/v1 Events or events.k8s.io/v1 Events. */
export type WatchedKind = 'pods' | 'events' | 'events.k8s.io'

/** Collection path of a kind, cluster-wide or in one namespace. */
export function collectionPath(kind: WatchedKind, namespace?: string): string {
  const base = kind === 'events.k8s.io' ? '/apis/events.k8s.io/v1' : '/api/v1'
  const plural = kind === 'pods' ? 'pods' : 'events'
  return namespace === undefined
    ? `${base}/${plural}`
    : `${base}/namespaces/${encodeURIComponent(namespace)}/${plural}`
}

type Obj = Record<string, unknown>

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)

/** `metadata` of an object, or an empty record. */
export function metadataOf(value: unknown): Obj {
  return isObj(value) && isObj(value.metadata) ? value.metadata : {}
}

/** `metadata.resourceVersion` of an object (a watched item, a list, a bookmark), if any. */
export function resourceVersionOf(value: unknown): string | undefined {
  const rv = metadataOf(value).resourceVersion
  return typeof rv === 'string' && rv !== '' ? rv : undefined
}

/**
 * Signals of an object from a (re-)list: the object's final state as far as we know, the way
 * replay reads a dump, so a listed pod gives exactly the signals (ids, times, precision) replay
 * gives for the same object, and a re-list repeats ids the bus and the actors deduplicate.
 */
export function listedSignals(
  kind: WatchedKind,
  item: unknown,
  ignoredNamespaces: ReadonlySet<string>,
): Normalized {
  if (kind === 'pods') return normalizePod(item, { source: 'list', ignoredNamespaces })
  return normalizeK8sEvent(item, { source: 'event', finalState: true, ignoredNamespaces })
}

/**
 * Signals of a watch event's object: a pod at its receipt time (`observedAt`, epoch µs), gone on
 * `DELETED`; an Event's current occurrence (its count bump is a signal of its own). A deleted
 * Event (TTL expiry) says nothing about a pod.
 */
export function watchedSignals(
  kind: WatchedKind,
  type: 'ADDED' | 'MODIFIED' | 'DELETED',
  object: unknown,
  observedAt: number,
  ignoredNamespaces: ReadonlySet<string>,
): Normalized {
  if (kind === 'pods') {
    const deleted = type === 'DELETED'
    return normalizePod(object, { source: 'watch', observedAt, ignoredNamespaces, deleted })
  }
  if (type === 'DELETED') return { ok: true, signals: [] }
  return normalizeK8sEvent(object, { source: 'watch', finalState: false, ignoredNamespaces })
}

/**
 * The pods a loop last saw, each kept as a small tombstone (identity, owner, creation and
 * deletion stamps, static-pod annotations; no spec or status) so that a re-list after 410 Gone
 * can tell which pods vanished while the watch was away: their DELETED event was compacted, and
 * without this their actors would wait for the give-up time.
 */
export class KnownPods {
  readonly #byUid = new Map<string, Obj>()

  get size(): number {
    return this.#byUid.size
  }

  /** Records a pod seen in a list page or an ADDED/MODIFIED event. */
  remember(pod: unknown): void {
    const meta = metadataOf(pod)
    if (typeof meta.uid === 'string') this.#byUid.set(meta.uid, tombstone(meta))
  }

  /** A DELETED event: the pod needs no reconciliation any more. */
  forget(pod: unknown): void {
    const uid = metadataOf(pod).uid
    if (typeof uid === 'string') this.#byUid.delete(uid)
  }

  /** Replaces the known set by a complete list; returns the tombstones of pods not in it. */
  replace(listed: ReadonlySet<string>): Obj[] {
    const gone = [...this.#byUid].filter(([uid]) => !listed.has(uid)).map(([, t]) => t)
    for (const uid of [...this.#byUid.keys()]) if (!listed.has(uid)) this.#byUid.delete(uid)
    return gone
  }
}

const KEPT_META = [
  'uid',
  'name',
  'namespace',
  'resourceVersion',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'ownerReferences',
] as const

function tombstone(meta: Obj): Obj {
  const kept: Obj = {}
  for (const key of KEPT_META) if (meta[key] !== undefined) kept[key] = meta[key]
  const annotations = isObj(meta.annotations) ? meta.annotations : {}
  const staticPod: Obj = {}
  for (const key of [MIRROR_ANNOTATION, CONFIG_HASH_ANNOTATION]) {
    if (typeof annotations[key] === 'string') staticPod[key] = annotations[key]
  }
  if (Object.keys(staticPod).length > 0) kept.annotations = staticPod
  return { kind: 'Pod', apiVersion: 'v1', metadata: kept }
}
