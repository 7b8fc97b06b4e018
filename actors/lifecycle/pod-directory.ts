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

interface NameEntry {
  uid: string
  /** Earliest signal time seen for this UID. */
  first: number
  /** Time the UID was seen gone (deleted), if it was. */
  gone: number | null
}

/** Where a signal goes: an actor UID, or nowhere yet (kept until its pod shows up). */
export type Resolution = { readonly uid: string; readonly merge?: string } | { readonly held: true }

/**
 * The actor host's view of which pod UIDs held which names, and of static-pod aliases. It resolves
 * signals that carry no UID (audit `pods/binding`, owner events) to the newest live UID of their
 * `namespace/name`, holds them while no UID is known, and maps the static-pod config UID named by
 * a mirror pod's `kubernetes.io/config.hash` to the mirror pod. Pure and in-memory: one instance
 * per set of partitions; deterministic for a given signal order.
 */
export class PodDirectory {
  readonly #names = new Map<string, NameEntry[]>()
  readonly #alias = new Map<string, string>()
  readonly #held = new Map<string, PodSignal[]>()

  /** UIDs known for a name, oldest first. */
  uidsOf(namespace: string, name: string): string[] {
    return (this.#names.get(`${namespace}/${name}`) ?? []).map((e) => e.uid)
  }

  /** The mirror pod UID a config UID was merged into, if any. */
  aliasOf(uid: string): string | undefined {
    return this.#alias.get(uid)
  }

  /**
   * Resolves a signal. For a UID-bearing signal, records the name and returns the UID (after
   * aliasing); if it names a config hash whose actor exists, `merge` tells the host to fold that
   * actor into this one. Signals released from the held queue are returned by `release`.
   */
  resolve(sig: PodSignal): Resolution {
    const key = `${sig.pod.namespace}/${sig.pod.name}`
    if (sig.pod.uid) {
      const uid = this.#alias.get(sig.pod.uid) ?? sig.pod.uid
      this.#note(key, uid, sig)
      const hash = sig.facts?.configHash
      if (hash && hash !== uid && !this.#alias.has(hash)) {
        this.#alias.set(hash, uid)
        this.#names.set(
          key,
          (this.#names.get(key) ?? []).filter((e) => e.uid !== hash),
        )
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
    return { held: true }
  }

  /** Held signals that can now be resolved to `uid` (its name just became known). */
  release(namespace: string, name: string): PodSignal[] {
    const key = `${namespace}/${name}`
    const queue = this.#held.get(key)
    if (!queue) return []
    const ready: PodSignal[] = []
    const still: PodSignal[] = []
    for (const sig of queue) (this.#pick(key, sig) ? ready : still).push(sig)
    if (still.length > 0) this.#held.set(key, still)
    else this.#held.delete(key)
    return ready
  }

  /** Signals still held (their pod never showed a UID). */
  held(): PodSignal[] {
    return [...this.#held.values()].flat()
  }

  #note(key: string, uid: string, sig: PodSignal): void {
    const list = this.#names.get(key) ?? []
    let entry = list.find((e) => e.uid === uid)
    if (!entry) {
      entry = { uid, first: sig.time, gone: null }
      list.push(entry)
      this.#names.set(key, list)
    }
    const created = sig.facts?.creationTimestamp
    entry.first = Math.min(entry.first, sig.time, created ?? sig.time)
    if (sig.ops.some((o) => o.op === 'pod:deleted:success')) entry.gone ??= sig.time
    list.sort((a, b) => a.first - b.first || (a.uid < b.uid ? -1 : 1))
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
