/**
 * Redis Cluster key slots (CRC16/XMODEM of the key's hash tag, mod 16384), as the cluster
 * specification defines them. A transaction on a cluster must touch a single slot, so
 * `RedisStore.write` splits a batch by slot there.
 */

const TABLE = (() => {
  const table = new Uint16Array(256)
  for (let i = 0; i < 256; i++) {
    let crc = i << 8
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? (crc << 1) ^ 0x1021 : crc << 1
    table[i] = crc & 0xffff
  }
  return table
})()

function crc16(bytes: Uint8Array): number {
  let crc = 0
  for (const byte of bytes) crc = ((crc << 8) & 0xffff) ^ (TABLE[((crc >> 8) ^ byte) & 0xff] ?? 0)
  return crc
}

const encoder = new TextEncoder()

/** The part of `key` that is hashed: the first non-empty `{…}`, else the whole key. */
export function hashTag(key: string): string {
  const open = key.indexOf('{')
  if (open === -1) return key
  const close = key.indexOf('}', open + 1)
  return close === -1 || close === open + 1 ? key : key.slice(open + 1, close)
}

/** The cluster slot of `key` (0–16383). */
export function keySlot(key: string): number {
  return crc16(encoder.encode(hashTag(key))) % 16384
}
