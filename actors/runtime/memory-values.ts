/** The values of the embedded store's keys, as Redis types them. */
export type Value =
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'zset'; readonly members: Map<string, number> }
  | { readonly kind: 'hash'; readonly fields: Map<string, number> }
  | { readonly kind: 'set'; readonly members: Set<string> }

export interface Entry {
  readonly value: Value
  /** Epoch ms after which the key is gone, or null (no TTL). */
  expiresAt: number | null
}

export interface Scored {
  readonly member: string
  readonly score: number
}

/** Redis sorted-set order: by score, then by member (byte order; UIDs are ASCII). */
export const ascending = (a: Scored, b: Scored): number =>
  a.score - b.score || (a.member < b.member ? -1 : a.member > b.member ? 1 : 0)
export const descending = (a: Scored, b: Scored): number => ascending(b, a)
