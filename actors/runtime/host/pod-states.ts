import type { PartitionMessage } from '../../../protocol/envelope.ts'
import type { PodSignal } from '../../../protocol/pod-signal.ts'
import type { PodDirectory } from '../../lifecycle/pod-directory.ts'
import type { PodState } from '../../lifecycle/pod-state.ts'
import { decodeState, StateDecodeError } from '../../lifecycle/pod-state-codec.ts'
import type { Store, WriteOp } from '../store/store.ts'
import { ActorCache } from './actor-cache.ts'
import { META } from './worker-batch.ts'

/** A stored pod state that could not be decoded, found while loading it. */
export interface CorruptState {
  readonly uid: string
  readonly error: string
}

/**
 * The pod states of a partition: the actors in memory, loaded from the store on demand. A stored
 * state that cannot be decoded (corrupt JSON, a newer version) never fails the partition: the pod
 * counts as new, and the next write of the batch moves the unreadable text aside (kept under the
 * pod's corrupt-state key for the retention) so it is not read again.
 */
export class PodStates {
  readonly cache = new ActorCache()
  readonly #store: Store
  readonly #nowMs: () => number
  readonly #retentionMs: number
  /** Unreadable states found since the last successful write: uid → raw text and problem. */
  #corrupt = new Map<string, { json: string; error: string }>()

  constructor(store: Store, nowMs: () => number, retentionMs: number) {
    this.#store = store
    this.#nowMs = nowMs
    this.#retentionMs = retentionMs
  }

  /** The pod's state, from memory or the store; undefined when it has none (or it is unreadable). */
  async load(uid: string): Promise<PodState | undefined> {
    const cached = this.cache.get(uid)
    if (cached) return cached
    const json = await this.#store.getState(uid)
    if (!json) return undefined
    try {
      const state = decodeState(uid, json)
      this.cache.set(state, this.#nowMs())
      return state
    } catch (err: unknown) {
      if (!(err instanceof StateDecodeError)) throw err
      this.#corrupt.set(uid, { json, error: err.message })
      return undefined
    }
  }

  /** The writes moving every unreadable state found aside; they go before the batch's states. */
  moveAsideOps(): WriteOp[] {
    const ttlMs = this.#retentionMs
    return [...this.#corrupt].map(([uid, c]) => ({ op: 'moveAside', uid, json: c.json, ttlMs }))
  }

  /** The batch was written: the states found unreadable are aside now. */
  takeCorrupt(): CorruptState[] {
    const out = [...this.#corrupt].map(([uid, c]) => ({ uid, error: c.error }))
    this.#corrupt = new Map()
    return out
  }

  /** The write moving a pod's stored state aside, whatever it holds (an alarm that cannot fold). */
  async moveAside(uid: string): Promise<WriteOp[]> {
    this.cache.delete(uid)
    const json = await this.#store.getState(uid)
    return json === null ? [] : [{ op: 'moveAside', uid, json, ttlMs: this.#retentionMs }]
  }

  /**
   * Loads, all at once, what the batch's signals will read one after another (each pod name's
   * directory entries and held signals, each UID's state), so a batch of new pods costs one round
   * trip to the store instead of several per pod. Reads only: what it loads is what the signals
   * would have loaded at their turn (the store does not change under a batch).
   */
  async prefetch(
    messages: readonly PartitionMessage[],
    dir: PodDirectory,
    skip?: ReadonlySet<number>,
  ): Promise<void> {
    const names = new Set<string>()
    const uids = new Set<string>()
    const jobs: Promise<unknown>[] = []
    for (const [i, m] of messages.entries()) {
      if (m.kind !== 'signal' || skip?.has(i)) continue
      const { namespace, name, uid } = m.signal.pod
      const key = `${namespace}/${name}`
      if (!names.has(key)) {
        names.add(key)
        jobs.push(this.hydrate(m.signal, dir))
      } else if (uid && !uids.has(uid)) {
        jobs.push(this.load(uid))
      }
      if (uid) uids.add(uid)
    }
    await Promise.all(jobs)
  }

  /** Loads what the directory needs to resolve `sig`: its aliases and the pods of its name. */
  async hydrate(sig: PodSignal, dir: PodDirectory): Promise<void> {
    const { namespace, name, uid } = sig.pod
    for (const id of [uid, sig.facts?.configHash]) {
      if (!id || dir.hasAlias(id)) continue
      dir.hydrateAlias(id, await this.#store.getMeta(META.alias(id)))
    }
    if (dir.hasName(namespace, name)) return
    const entries = await this.#store.nameEntries(namespace, name)
    const states = await Promise.all(entries.map((e) => this.load(e.uid)))
    const held = await this.#store.getMeta(META.held(namespace, name))
    dir.hydrateName(
      namespace,
      name,
      entries.map((e, i) => ({
        uid: e.uid,
        first: e.createdUs,
        gone: states[i]?.ms.deleted?.t ?? null,
      })),
      held ? (JSON.parse(held) as PodSignal[]) : [],
    )
  }
}
