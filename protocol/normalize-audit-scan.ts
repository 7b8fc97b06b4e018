/**
 * A structural scan of JSON text that reads a few top-level fields of an object without building
 * it: strings are skipped with `indexOf`, nested objects and arrays by bracket depth. It exists so
 * the audit pre-filter can drop the records we never read (leases, configmaps, pod reads: most of
 * an API server's audit volume) without paying for `JSON.parse`. It checks structure, not every
 * token: whatever it cannot read plainly (escapes in a field it reads, a duplicate field, broken
 * structure) it reports as unreadable and the caller parses the text in full.
 */

const QUOTE = 34
const BACKSLASH = 92
const OPEN_OBJ = 123
const CLOSE_OBJ = 125
const OPEN_ARR = 91
const CLOSE_ARR = 93
const COLON = 58
const COMMA = 44

/** A field value the scan could not take as a plain string (escaped, not a string, repeated). */
export const UNREADABLE = Symbol('unreadable')
export type Scanned = string | undefined | typeof UNREADABLE

function skipWs(t: string, i: number): number {
  for (;;) {
    const c = t.charCodeAt(i)
    if (c === 32 || c === 10 || c === 13 || c === 9) i++
    else return i
  }
}

/** Index after the string opening at `i` (a quote), or -1. */
function skipString(t: string, i: number): number {
  let from = i + 1
  for (;;) {
    const q = t.indexOf('"', from)
    if (q < 0) return -1
    let k = q - 1
    while (t.charCodeAt(k) === BACKSLASH) k--
    // An even number of backslashes before the quote: it closes the string.
    if ((q - 1 - k) % 2 === 0) return q + 1
    from = q + 1
  }
}

function isPrimitiveChar(c: number): boolean {
  // Letters of true/false/null, digits, sign, dot and exponent.
  return (
    (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45 || c === 43 || c === 46 || c === 69
  )
}

/** Index after the JSON value starting at `i`, or -1 when the structure is broken. */
export function skipValue(t: string, i: number): number {
  const c = t.charCodeAt(i)
  if (c === QUOTE) return skipString(t, i)
  if (c === OPEN_OBJ || c === OPEN_ARR) {
    let depth = 0
    let j = i
    const n = t.length
    while (j < n) {
      const d = t.charCodeAt(j)
      if (d === QUOTE) {
        j = skipString(t, j)
        if (j < 0) return -1
        continue
      }
      if (d === OPEN_OBJ || d === OPEN_ARR) depth++
      else if (d === CLOSE_OBJ || d === CLOSE_ARR) {
        if (--depth === 0) return j + 1
      }
      j++
    }
    return -1
  }
  let j = i
  while (isPrimitiveChar(t.charCodeAt(j))) j++
  return j === i ? -1 : j
}

/** `scanObject` stopped at a member named in its `stopAt` (its value was not read). */
export const STOPPED = -2

/**
 * Walks the object opening at `i` (after whitespace) and calls `field(key, valueStart,
 * valueEnd)` for each top-level member; returns the index after the object, -1 when it is not a
 * well-formed object (then nothing it reported may be trusted), or STOPPED at the first member
 * whose key is in `stopAt` (the members before it were reported).
 */
export function scanObject(
  t: string,
  i: number,
  field: (key: string, start: number, end: number) => void,
  stopAt?: ReadonlySet<string>,
): number {
  let j = skipWs(t, i)
  if (t.charCodeAt(j) !== OPEN_OBJ) return -1
  j = skipWs(t, j + 1)
  if (t.charCodeAt(j) === CLOSE_OBJ) return j + 1
  for (;;) {
    if (t.charCodeAt(j) !== QUOTE) return -1
    const keyEnd = skipString(t, j)
    if (keyEnd < 0) return -1
    // Keys are sliced only when a caller may want them (short ones: ours are ≤ 24 characters).
    const key = keyEnd - j - 2 <= 24 ? t.slice(j + 1, keyEnd - 1) : ''
    if (stopAt?.has(key)) return STOPPED
    j = skipWs(t, keyEnd)
    if (t.charCodeAt(j) !== COLON) return -1
    const start = skipWs(t, j + 1)
    const end = skipValue(t, start)
    if (end < 0) return -1
    field(key, start, end)
    j = skipWs(t, end)
    const c = t.charCodeAt(j)
    if (c === CLOSE_OBJ) return j + 1
    if (c !== COMMA) return -1
    j = skipWs(t, j + 1)
  }
}

/** The value between `start` and `end` as a plain string, or UNREADABLE. */
export function plainString(t: string, start: number, end: number): Scanned {
  if (t.charCodeAt(start) !== QUOTE) return UNREADABLE
  const s = t.slice(start + 1, end - 1)
  return s.includes('\\') ? UNREADABLE : s
}

/**
 * Reads the fields `wanted` of the object at `i`: each as a plain string, UNREADABLE when it is
 * not one or appears twice (`JSON.parse` would keep the last: a scan does not guess), absent as
 * undefined. Returns the end index (or -1).
 */
export function scanFields(
  t: string,
  i: number,
  wanted: ReadonlySet<string>,
  out: Map<string, Scanned>,
): number {
  return scanObject(t, i, (key, start, end) => {
    if (!wanted.has(key)) return
    out.set(key, out.has(key) ? UNREADABLE : plainString(t, start, end))
  })
}
