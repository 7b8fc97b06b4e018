/** A seeded xorshift32 generator: the same seed gives the same cluster, byte for byte. */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1
  return () => {
    s ^= s << 13
    s ^= s >>> 17
    s ^= s << 5
    return (s >>> 0) / 4294967296
  }
}

/** A v4-layout UUID drawn from `rand`. */
export function uuid(rand: () => number): string {
  let h = ''
  for (let i = 0; i < 32; i++) h += Math.floor(rand() * 16).toString(16)
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20)}`
}

/** A log-normal draw with the given median and spread (σ of the log), clamped to [min, max]. */
export function logNormal(
  rand: () => number,
  median: number,
  sigma: number,
  min: number,
  max: number,
): number {
  // Box–Muller on two uniform draws.
  const u = Math.max(rand(), 1e-12)
  const v = rand()
  const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)
  return Math.min(max, Math.max(min, median * Math.exp(sigma * z)))
}

/** Picks one of `items` by weight. */
export function pick<T>(rand: () => number, items: readonly (readonly [T, number])[]): T {
  const total = items.reduce((s, [, w]) => s + w, 0)
  let x = rand() * total
  for (const [item, w] of items) {
    x -= w
    if (x < 0) return item
  }
  const last = items[items.length - 1]
  if (!last) throw new RangeError('pick: no items')
  return last[0]
}
