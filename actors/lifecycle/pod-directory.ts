import { hex128 } from '../../protocol/hash.ts'
import type { PodSignal } from '../../protocol/pod-signal.ts'

/**
 * A pod the API server refused to create never got a UID; its report needs one. Derived from the
 * signal id (the audit ID), so a replay or a redelivery gives the same one; version nibble 0
 * marks it as not issued by Kubernetes.
 */
export function rejectedPodUid(sig: PodSignal): string {
  const h = hex128(`rejected:${sig.id}`)
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-0${h.slice(13, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`
}

/** How far an owner's "Created pod: NAME" event may lie from the pod's own first evidence (µs). */
const OWNER_CREATE_WINDOW = 5_000_000

/** One UID that held a name. */
export interface NameEntry {
  uid: string
  /** Earliest time known for this UID (creation or first signal), epoch µs. */
  first: number
  /** Time the UID was seen gone (deleted), if it was. */
  gone: number | null
}

/** Where a signal goes: an actor UID, or nowhere yet (kept until its pod shows up). */
export type Resolution = { readonly uid: string; readonly merge?: string } | { readonly held: true }

/** What changed since the last `takeChanges()`: the host persists it with the batch. */
export interface DirectoryChanges {
  names: { namespace: string; name: string; entry: NameEntry }[]
  aliases: { from: string; to: string }[]
  held: { namespace: string; name: string; signals: PodSignal[] }[]
}

const keyOf = (namespace: string, name: string) => `${namespace}/${name}`

/**
 * The actor host's view of which pod UIDs held which names, and of static-pod aliases. It resolves
 * signals that carry no UID (audit `pods/binding`, owner events) to the newest live UID of their
 * `namespace/name`, holds them while no UID is known, and maps the static-pod config UID named by
 * a mirror pod's `kubernetes.io/config.hash` to the mirror pod. Pure and synchronous: a durable
 * host hydrates names and aliases from its store before resolving, and persists `takeChanges()`.
 */
export class PodDirectory {
  readonly #names = new Map<string, NameEntry[]>()
  readonly #alias = new Map<string, string | null>()
  readonly #held = new Map<string, PodSignal[]>()
  readonly #dirtyNames = new Map<string, NameEntry>()
  readonly #dirtyAliases = new Map<string, string>()
  readonly #dirtyHeld = new Set<string>()

  /** Whether the name's entries are loaded (a durable host loads them from its store first). */
  hasName(namespace: string, name: string): boolean {
    return this.#names.has(keyOf(namespace, name))
  }

  /** Loads a name's entries and held signals (from a store); replaces what was there. */
  hydrateName(namespace: string, name: string, entries: NameEntry[], held: PodSignal[]): void {
    const key = keyOf(namespace, name)
    this.#names.set(key, [...entries].sort(byFirst))
    if (held.length > 0) this.#held.set(key, [...held])
    else this.#held.delete(key)
  }

  /** Whether `uid`'s alias is known (null = known to have none). */
  hasAlias(uid: string): boolean {
    return this.#alias.has(uid)
  }

  /** Loads an alias (from a store): `to` null means the UID is not an alias. */
  hydrateAlias(uid: string, to: string | null): void {
    this.#alias.set(uid, to)
  }

  /**
   * Resolves a signal. For a UID-bearing signal, records the name and returns the UID (after
   * aliasing); if it names a config hash not yet aliased, `merge` tells the host to fold that
   * actor into this one. UID-less signals that cannot be resolved yet are held; `release` returns
   * them once their name gains a UID.
   */
  resolve(sig: PodSignal): Resolution {
    const key = keyOf(sig.pod.namespace, sig.pod.name)
    const known = this.#names.get(key)
    if (known) {
      // Most recently used last: `trim` forgets from the front.
      this.#names.delete(key)
      this.#names.set(key, known)
    }
    if (sig.pod.uid) {
      const uid = this.#alias.get(sig.pod.uid) ?? sig.pod.uid
      this.#note(key, uid, sig)
      const hash = sig.facts?.configHash
      if (hash && hash !== uid && !this.#alias.get(hash)) {
        this.#alias.set(hash, uid)
        this.#dirtyAliases.set(hash, uid)
        const list = (this.#names.get(key) ?? []).filter((e) => e.uid !== hash)
        this.#names.set(key, list)
        return { uid, merge: hash }
      }
      return { uid }
    }
    if (sig.ops.some((o) => o.op === 'pod:create:failed')) return { uid: rejectedPodUid(sig) }
    const uid = this.#pick(key, sig)
    if (uid) return { uid }
    const queue = this.#held.get(key) ?? []
    queue.push(sig)
    this.#held.set(key, queue)
    this.#dirtyHeld.add(key)
    return { held: true }
  }

  /** Held signals of a name that can now be resolved (it just gained a UID). */
  release(namespace: string, name: string): PodSignal[] {
    const key = keyOf(namespace, name)
    const queue = this.#held.get(key)
    if (!queue) return []
    const ready: PodSignal[] = []
    const still: PodSignal[] = []
    for (const sig of queue) (this.#pick(key, sig) ? ready : still).push(sig)
    if (ready.length === 0) return []
    if (still.length > 0) this.#held.set(key, still)
    else this.#held.delete(key)
    this.#dirtyHeld.add(key)
    return ready
  }

  /**
   * Forgets the least recently resolved names (with their held signals) and the oldest aliases
   * beyond `cap` each, so a long-running host stays bounded. Only once every change is taken (a
   * durable host has persisted it): the host hydrates them again from its store on demand.
   */
  trim(cap: number): void {
    if (this.#dirtyNames.size + this.#dirtyAliases.size + this.#dirtyHeld.size > 0) return
    let excess = this.#names.size - cap
    for (const key of this.#names.keys()) {
      if (excess-- <= 0) break
      this.#names.delete(key)
      this.#held.delete(key)
    }
    excess = this.#alias.size - cap
    for (const key of this.#alias.keys()) {
      if (excess-- <= 0) break
      this.#alias.delete(key)
    }
  }

  /** What changed since the last call, for a durable host to persist; then forgets it. */
  takeChanges(): DirectoryChanges {
    const names = [...this.#dirtyNames.entries()].map(([k, entry]) => {
      const [namespace = '', name = ''] = splitKey(k)
      return { namespace, name, entry: { ...entry } }
    })
    const aliases = [...this.#dirtyAliases.entries()].map(([from, to]) => ({ from, to }))
    const held = [...this.#dirtyHeld].map((k) => {
      const [namespace = '', name = ''] = splitKey(k)
      return { namespace, name, signals: [...(this.#held.get(k) ?? [])] }
    })
    this.#dirtyNames.clear()
    this.#dirtyAliases.clear()
    this.#dirtyHeld.clear()
    return { names, aliases, held }
  }

  #note(key: string, uid: string, sig: PodSignal): void {
    const list = this.#names.get(key) ?? []
    let entry = list.find((e) => e.uid === uid)
    const created = sig.facts?.creationTimestamp ?? sig.time
    const first = Math.min(sig.time, created)
    const gone = sig.ops.some((o) => o.op === 'pod:deleted:success') ? sig.time : null
    if (!entry) {
      entry = { uid, first, gone }
      list.push(entry)
      this.#names.set(key, list)
    } else if (first >= entry.first && (gone === null || entry.gone !== null)) {
      return
    } else {
      entry.first = Math.min(entry.first, first)
      entry.gone ??= gone
    }
    list.sort(byFirst)
    this.#dirtyNames.set(`${key}\u0000${uid}`, entry)
  }

  #pick(key: string, sig: PodSignal): string | undefined {
    const list = this.#names.get(key)
    if (!list || list.length === 0) return undefined
    if (sig.ops.some((o) => o.op === 'owner:pod:created')) {
      // A create event belongs to the pod created then, never to an older pod of the same name.
      const near = list.filter((e) => Math.abs(e.first - sig.time) <= OWNER_CREATE_WINDOW)
      return near.at(-1)?.uid
    }
    const live = list.filter((e) => e.first <= sig.time + OWNER_CREATE_WINDOW)
    const alive = live.filter((e) => e.gone === null || e.gone >= sig.time)
    return (alive.at(-1) ?? live.at(-1))?.uid
  }
}

function byFirst(a: NameEntry, b: NameEntry): number {
  return a.first - b.first || (a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0)
}

/** `ns/name\0uid` or `ns/name` → [ns, name]. Namespaces never contain `/`. */
function splitKey(k: string): string[] {
  const base = k.split('\u0000')[0] ?? ''
  const slash = base.indexOf('/')
  return [base.slice(0, slash), base.slice(slash + 1)]
}
