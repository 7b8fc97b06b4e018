const enc = new TextEncoder()

/**
 * The reply of the longest head of `rows` whose encoding fits `maxBytes` (at least one row, or
 * none when even that does not fit). `build` makes the reply of a page, including its cursor,
 * so a shortened page continues right after its last row: nothing is skipped, unlike cutting
 * the finished reply's list.
 */
export function fitPage<R, T>(
  rows: readonly R[],
  build: (page: readonly R[]) => T,
  maxBytes: number,
): T {
  let page = rows
  for (let round = 0; round < 32; round++) {
    const reply = build(page)
    const size = enc.encode(JSON.stringify(reply)).byteLength
    if (size <= maxBytes || page.length === 0) return reply
    const keep = Math.floor(page.length * (maxBytes / size) * 0.9)
    page = page.slice(0, Math.min(page.length - 1, Math.max(0, keep)))
  }
  return build(page)
}
