/**
 * FNV-1a 32-bit hash of a string's UTF-16 code units folded to bytes via UTF-8. Used for the pod
 * partition (`fnv1a32(namespace + "/" + name) mod P`) and for deterministic ids.
 */
export function fnv1a32(text: string, seed = 0x811c9dc5): number {
  let hash = seed >>> 0
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= byte
    hash = Math.imul(hash, 0x01000193) >>> 0
  }
  return hash >>> 0
}

/** A deterministic 32-hex-digit id derived from text (four seeded FNV-1a rounds). */
export function hex128(text: string): string {
  const seeds = [0x811c9dc5, 0x01000193, 0x9e3779b9, 0x85ebca6b]
  return seeds.map((seed) => fnv1a32(text, seed).toString(16).padStart(8, '0')).join('')
}
