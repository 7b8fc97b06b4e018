import * as v from 'valibot'

/**
 * Page cursors: opaque to clients (base64url of a small JSON object), checked here. A cursor
 * names the query it belongs to (`q`, a fingerprint of the filters and the window), so a cursor
 * replayed with other filters is refused instead of silently paging something else.
 *
 * Kinds: `key` continues after the row (sort time `t`, uid `u`) in the (time desc, uid asc)
 * order, which new rows cannot shift; `pos` continues at index position `p` of a store listing
 * whose newest end is pinned at `to` (µs), for listings too big to read whole.
 */
export const CursorData = v.variant('k', [
  v.object({
    k: v.literal('key'),
    q: v.string(),
    t: v.number(),
    u: v.string(),
    from: v.string(),
    to: v.string(),
  }),
  v.object({
    k: v.literal('pos'),
    q: v.string(),
    p: v.pipe(v.number(), v.integer(), v.minValue(0)),
    from: v.string(),
    to: v.string(),
    pin: v.optional(v.number()),
  }),
])
export type CursorData = v.InferOutput<typeof CursorData>

/** A cursor that does not decode or does not belong to the query it came with. */
export class CursorError extends Error {
  override readonly name = 'CursorError'
}

function b64url(text: string): string {
  const bytes = new TextEncoder().encode(text)
  let bin = ''
  for (const b of bytes) bin += String.fromCharCode(b)
  return btoa(bin).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '')
}

function unb64url(text: string): string {
  const bin = atob(text.replaceAll('-', '+').replaceAll('_', '/'))
  return new TextDecoder('utf-8', { fatal: true }).decode(
    Uint8Array.from(bin, (c) => c.charCodeAt(0)),
  )
}

/** The opaque form of a cursor. */
export function encodeCursor(c: CursorData): string {
  return b64url(JSON.stringify(c))
}

/** Decodes a cursor of the query `fingerprint`; throws CursorError otherwise. */
export function decodeCursor(text: string, fingerprint: string): CursorData {
  let raw: unknown
  try {
    raw = JSON.parse(unb64url(text))
  } catch {
    throw new CursorError('cursor: not a cursor this service issued')
  }
  const r = v.safeParse(CursorData, raw)
  if (!r.success) throw new CursorError('cursor: not a cursor this service issued')
  if (r.output.q !== fingerprint) {
    throw new CursorError('cursor: was issued for other filters; repeat the query that gave it')
  }
  return r.output
}

/** FNV-1a 32 of the query's filters, as the cursor's fingerprint. */
export function fingerprint(parts: readonly (string | undefined | null)[]): string {
  let h = 0x811c9dc5
  for (const ch of JSON.stringify(parts)) {
    h ^= ch.charCodeAt(0)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h.toString(36)
}
