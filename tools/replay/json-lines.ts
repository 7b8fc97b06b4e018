import type { DropReason } from '../../protocol/pod-signal.ts'

/** A line of a text stream: its text, or only its size when it exceeded the limit. */
export type RawLine =
  | { readonly line: number; readonly text: string }
  | { readonly line: number; readonly tooLong: number }

/** A parsed JSON line, why the line could not be used, or why a pre-filter dropped it unread. */
export type JsonLine =
  | { readonly line: number; readonly value: unknown }
  | { readonly line: number; readonly error: string }
  | { readonly line: number; readonly dropped: DropReason }

/**
 * Splits a byte stream into lines (LF or CRLF), numbering them from 1. A line longer than
 * `maxBytes` is not buffered: its bytes are counted and dropped until the next newline, and it
 * is reported as `{ tooLong }`. Bytes are decoded as UTF-8 (invalid sequences become U+FFFD).
 */
export async function* splitLines(
  chunks: AsyncIterable<Buffer>,
  maxBytes: number,
): AsyncGenerator<RawLine> {
  let parts: Buffer[] = []
  let size = 0
  let overflow = 0
  let line = 1
  const finish = (): RawLine => {
    let out: RawLine
    if (overflow > 0) {
      out = { line, tooLong: overflow }
    } else {
      const buf = parts.length === 1 && parts[0] ? parts[0] : Buffer.concat(parts, size)
      const text = buf.toString('utf8')
      out = { line, text: text.endsWith('\r') ? text.slice(0, -1) : text }
    }
    parts = []
    size = 0
    overflow = 0
    line++
    return out
  }
  for await (const chunk of chunks) {
    let start = 0
    while (start < chunk.length) {
      const nl = chunk.indexOf(10, start)
      const end = nl === -1 ? chunk.length : nl
      const piece = chunk.subarray(start, end)
      if (overflow > 0) {
        overflow += piece.length
      } else if (size + piece.length > maxBytes) {
        overflow = size + piece.length
        parts = []
        size = 0
      } else if (piece.length > 0) {
        parts.push(piece)
        size += piece.length
      }
      if (nl === -1) break
      yield finish()
      start = nl + 1
    }
  }
  if (size > 0 || overflow > 0) yield finish()
}

/** Describes a value's JSON type for error messages: `array`, `string`, `null`, … */
export function jsonType(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  return typeof value
}

/**
 * Makes a parser message safe to print: control characters (NUL and friends from binary input)
 * become `?`, and it is cut to 200 characters.
 */
export function cleanMessage(message: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping them is the point
  const clean = message.replace(/[\u0000-\u001f\u007f-\u009f\ufffd]/g, '?')
  return clean.length > 200 ? `${clean.slice(0, 200)}…` : clean
}

const MIB = 1024 * 1024

/**
 * Reads JSON lines: blank lines and lines starting with `#` are skipped; every other line must
 * be one JSON value. Too-long lines and unparseable lines come back as errors with their number;
 * whether a value is an object is the caller's concern. A line `prefilter` gives a drop reason
 * for is not parsed at all and comes back as `{ dropped }`.
 */
export async function* readJsonLines(
  chunks: AsyncIterable<Buffer>,
  maxLineBytes: number,
  prefilter?: (text: string) => DropReason | undefined,
): AsyncGenerator<JsonLine> {
  for await (const raw of splitLines(chunks, maxLineBytes)) {
    if ('tooLong' in raw) {
      const limit = `${Math.round(maxLineBytes / MIB)} MiB`
      yield { line: raw.line, error: `line longer than ${limit} (${raw.tooLong} bytes): not read` }
      continue
    }
    const text = raw.text.trim()
    if (text === '' || text.startsWith('#')) continue
    const dropped = prefilter?.(text)
    if (dropped !== undefined) {
      yield { line: raw.line, dropped }
      continue
    }
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch (err: unknown) {
      const message = err instanceof Error ? err.message : String(err)
      yield { line: raw.line, error: `invalid JSON: ${cleanMessage(message)}` }
      continue
    }
    yield { line: raw.line, value }
  }
}
