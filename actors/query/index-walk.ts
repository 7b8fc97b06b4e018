import type { SloType, Store } from '../runtime/store/store.ts'

/**
 * The first `count` UIDs of a listing made of the SLO indexes of `namespaces` (null: the index
 * of every namespace) one after the other, each newest first within [fromUs, toUs]. Reads stop
 * as soon as `count` are known, so a deep page costs its depth in UIDs, never states.
 */
export async function walkIndex(
  store: Store,
  type: SloType,
  namespaces: readonly (string | null)[],
  fromUs: number,
  toUs: number,
  count: number,
): Promise<string[]> {
  const out: string[] = []
  for (const ns of namespaces) {
    const want = count - out.length
    if (want <= 0) break
    out.push(...(await store.sloRange(type, ns, fromUs, toUs, want)))
  }
  return out
}

/**
 * How many UIDs the indexes hold within the window, counting at most to `cap + 1` (enough to
 * tell "more than cap"); the UIDs themselves when there are at most `cap`.
 */
export async function windowUids(
  store: Store,
  type: SloType,
  namespaces: readonly (string | null)[],
  fromUs: number,
  toUs: number,
  cap: number,
): Promise<{ uids: string[]; over: boolean }> {
  const uids = await walkIndex(store, type, namespaces, fromUs, toUs, cap + 1)
  return uids.length > cap ? { uids: [], over: true } : { uids, over: false }
}
