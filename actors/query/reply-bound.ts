/** Bytes of a bus message kept free for the reply's headers. */
export const REPLY_HEADER_RESERVE = 4096
/** NATS' default `max_payload` (1 MiB), less room for the reply's headers. */
export const DEFAULT_MAX_REPLY_BYTES = 1024 * 1024 - REPLY_HEADER_RESERVE

/** Longest string a reply keeps once it is too big for the bus (characters). */
const STRING_KEEP = 4096
/** Rounds of list cutting before giving up (each cuts the longest list to what should fit). */
const MAX_ROUNDS = 32

const enc = new TextEncoder()

type Json = null | boolean | number | string | Json[] | { [key: string]: Json }

function cutStrings(value: Json): Json {
  if (typeof value === 'string') {
    return value.length > STRING_KEEP
      ? `${value.slice(0, STRING_KEEP)}… [truncated: ${value.length} characters]`
      : value
  }
  if (Array.isArray(value)) return value.map(cutStrings)
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, cutStrings(v)]))
  }
  return value
}

function longestList(value: Json, best: Json[] | undefined = undefined): Json[] | undefined {
  let top = best
  if (Array.isArray(value)) {
    if (value.length > 0 && (!top || value.length > top.length)) top = value
    for (const v of value) top = longestList(v, top)
  } else if (value && typeof value === 'object') {
    for (const v of Object.values(value)) top = longestList(v, top)
  }
  return top
}

function withFlag(value: Json): Json {
  return value && typeof value === 'object' && !Array.isArray(value)
    ? { ...value, truncated: true }
    : value
}

/**
 * Encodes a query reply so it fits one bus message of `maxBytes`: as it is when it fits; else
 * with long strings cut (to 4096 characters, with a marker), then with its longest lists cut
 * from the end (the head, i.e. the first pods or events, is kept), and `truncated: true` at the
 * top. A reply too big for the bus used to be dropped by the bus client, which the gateway saw
 * as a timeout (504). Returns null when even the cut reply does not fit.
 */
export function boundReply(
  reply: unknown,
  maxBytes: number = DEFAULT_MAX_REPLY_BYTES,
): Uint8Array | null {
  const json = JSON.stringify(reply)
  const bytes = enc.encode(json)
  if (bytes.byteLength <= maxBytes) return bytes
  const value = withFlag(cutStrings(JSON.parse(json) as Json))
  let out = enc.encode(JSON.stringify(value))
  for (let round = 0; out.byteLength > maxBytes && round < MAX_ROUNDS; round++) {
    const list = longestList(value)
    if (!list) break
    // Keep the share of the list that should fit, a little less so a round rarely repeats.
    const keep = Math.floor(list.length * (maxBytes / out.byteLength) * 0.9)
    list.length = Math.min(list.length - 1, Math.max(0, keep))
    out = enc.encode(JSON.stringify(value))
  }
  return out.byteLength <= maxBytes ? out : null
}
