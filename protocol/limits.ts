/**
 * Bounds on what one input may make us store or parse (issue #10): message length, name syntax
 * and length as Kubernetes itself validates them, and the size of a webhook batch. Pure string
 * checks, linear in the input (and constant past the caps).
 */

/** Longest message (Event message/note, condition and container messages) kept, UTF-8 bytes. */
export const MAX_MESSAGE_BYTES = 4096
/** Longest UID kept (Kubernetes UIDs are 36-character UUIDs). */
export const MAX_UID_LENGTH = 64
/** DNS-1123 label (namespaces, container names, label names): at most 63 characters. */
export const MAX_DNS_LABEL_LENGTH = 63
/** DNS-1123 subdomain (pod names, node names, label key prefixes): at most 253 characters. */
export const MAX_DNS_SUBDOMAIN_LENGTH = 253
/** Label values: at most 63 characters. */
export const MAX_LABEL_VALUE_LENGTH = 63
/**
 * Most items one audit `EventList` may carry. The API server's webhook batches hold 400 by
 * default (`--audit-webhook-batch-max-size`); a list past this is refused whole (HTTP 413).
 */
export const MAX_EVENTLIST_ITEMS = 10_000

const encoder = new TextEncoder()

/** UTF-8 length of `s` in bytes, without encoding it (a lone surrogate counts 3, as U+FFFD). */
export function utf8Length(s: string): number {
  let n = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x80) n += 1
    else if (c < 0x800) n += 2
    else if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1)
      if (d >= 0xdc00 && d < 0xe000) {
        n += 4
        i++
      } else n += 3
    } else n += 3
  }
  return n
}

/** The marker that ends a truncated message: `…[truncated, N bytes]` (N = original size). */
export function truncationMarker(bytes: number): string {
  return `…[truncated, ${bytes} bytes]`
}

/** A message as kept: the text (at most `max` UTF-8 bytes) and, when cut, its original size. */
export interface BoundedText {
  readonly text: string
  /** Original UTF-8 length; set only when `text` was truncated. */
  readonly bytes?: number
}

/**
 * Cuts `s` to at most `max` UTF-8 bytes including a {@link truncationMarker}, never inside a
 * surrogate pair. Text within the cap comes back unchanged.
 */
export function boundText(s: string, max: number = MAX_MESSAGE_BYTES): BoundedText {
  // Each UTF-16 code unit is at most 3 UTF-8 bytes: short strings need no count.
  if (s.length * 3 <= max) return { text: s }
  const bytes = utf8Length(s)
  if (bytes <= max) return { text: s }
  const marker = truncationMarker(bytes)
  const budget = max - encoder.encode(marker).length
  let used = 0
  let end = 0
  while (end < s.length) {
    const c = s.charCodeAt(end)
    const next = s.charCodeAt(end + 1) // NaN past the end
    const pair = c >= 0xd800 && c < 0xdc00 && next >= 0xdc00 && next < 0xe000
    const width = c < 0x80 ? 1 : c < 0x800 ? 2 : pair ? 4 : 3
    if (used + width > budget) break
    used += width
    end += pair ? 2 : 1
  }
  return { text: `${s.slice(0, end)}${marker}`, bytes }
}

const DNS_LABEL = /^[a-z0-9]+(?:-+[a-z0-9]+)*$/
const DNS_SUBDOMAIN = /^[a-z0-9]+(?:-+[a-z0-9]+)*(?:\.[a-z0-9]+(?:-+[a-z0-9]+)*)*$/

/** A DNS-1123 label (RFC 1123): lower-case alphanumerics and `-`, ≤ 63, alphanumeric at both ends. */
export function isDnsLabel(s: string): boolean {
  return s.length <= MAX_DNS_LABEL_LENGTH && DNS_LABEL.test(s)
}

/** A DNS-1123 subdomain: dot-separated DNS labels, ≤ 253 in all (pod and node names). */
export function isDnsSubdomain(s: string): boolean {
  return s.length <= MAX_DNS_SUBDOMAIN_LENGTH && DNS_SUBDOMAIN.test(s)
}

const LABEL_CHAR = /^[-A-Za-z0-9_.]*$/
const ALNUM = /^[A-Za-z0-9]$/

/** A label value: empty, or ≤ 63 of `[-A-Za-z0-9_.]` beginning and ending alphanumeric. */
export function isLabelValue(s: string): boolean {
  if (s === '') return true
  return (
    s.length <= MAX_LABEL_VALUE_LENGTH &&
    LABEL_CHAR.test(s) &&
    ALNUM.test(s[0] ?? '') &&
    ALNUM.test(s[s.length - 1] ?? '')
  )
}

/** A label key: `[prefix/]name`, prefix a DNS subdomain, name a non-empty label value. */
export function isLabelKey(s: string): boolean {
  const slash = s.indexOf('/')
  const name = slash < 0 ? s : s.slice(slash + 1)
  if (slash >= 0 && !isDnsSubdomain(s.slice(0, slash))) return false
  return name !== '' && isLabelValue(name)
}

/** A UID as stored: non-empty, at most 64 characters. */
export function isUid(s: string): boolean {
  return s.length > 0 && s.length <= MAX_UID_LENGTH
}

/**
 * What is wrong with a pod key, or `undefined`: the name must be a DNS-1123 subdomain and the
 * namespace a DNS-1123 label (an empty namespace is left to the caller), as the API server
 * validates them. A record naming an impossible pod has nothing to address.
 */
export function podKeyProblem(namespace: string, name: string): string | undefined {
  if (!isDnsSubdomain(name)) {
    return `pod name is not a DNS-1123 subdomain (${name.length} characters, at most 253)`
  }
  if (namespace !== '' && !isDnsLabel(namespace)) {
    return `namespace is not a DNS-1123 label (${namespace.length} characters, at most 63)`
  }
  return undefined
}

/**
 * The `message` (bounded by {@link boundText}) and, when it was cut, `messageBytes` fields of an
 * op or event, for spreading into it; `{}` for an absent or empty message.
 */
export function messageFields(value: string | null | undefined): {
  message?: string
  messageBytes?: number
} {
  if (value === undefined || value === null || value === '') return {}
  const bounded = boundText(value)
  return bounded.bytes === undefined
    ? { message: bounded.text }
    : { message: bounded.text, messageBytes: bounded.bytes }
}
