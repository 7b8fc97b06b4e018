import { prefilterAuditLine } from '../../protocol/normalize-audit-prefilter.ts'
import type { DropReason } from '../../protocol/pod-signal.ts'
import { isZlibError, openByteSource, peek, readAllCapped } from './byte-source.ts'
import { classifyValue, type ObjectKind } from './classify.ts'
import { detectFormat, type InputFormat } from './detect-format.ts'
import { cleanMessage, jsonType, readJsonLines } from './json-lines.ts'

/** What a replay input record is: see `classifyObject` for the rules. */
export type InputKind = ObjectKind

/**
 * One object read from an input file, with its place (`line` is 1-based; items expanded from a
 * list share the list's line), or a part of the file that could not be used and why.
 * `observedAt` (epoch µs) is set when the input recorded when the object was seen (kspan).
 */
export type InputRecord =
  | {
      readonly file: string
      readonly line: number
      readonly kind: InputKind
      readonly value: unknown
      readonly observedAt?: number
    }
  | {
      readonly file: string
      readonly line: number
      readonly kind: 'malformed'
      readonly error: string
    }
  | {
      readonly file: string
      readonly line: number
      /** An audit line the pre-filter judged irrelevant without parsing it. */
      readonly kind: 'dropped'
      readonly reason: DropReason
    }

/** How a replay input is read. */
export interface ReadOptions {
  /**
   * Pre-filter audit JSON lines (`prefilterAuditLine`): lines about resources, verbs or stages
   * the pipeline never reads, or in these ignored namespaces, are not parsed at all.
   */
  readonly prefilter?: { readonly ignoredNamespaces: ReadonlySet<string> }
}

/** JSON lines longer than this are reported and skipped, never buffered whole. */
export const MAX_LINE_BYTES = 16 * 1024 * 1024
/** JSON and YAML documents are parsed whole; larger ones are reported and skipped. */
export const MAX_DOCUMENT_BYTES = 256 * 1024 * 1024
const SNIFF_BYTES = 64 * 1024
const MIB = 1024 * 1024

function* toRecords(
  file: string,
  line: number,
  value: unknown,
  observedAt?: number,
  path = '',
): Generator<InputRecord> {
  for (const c of classifyValue(value, path)) {
    if ('error' in c) yield { file, line, kind: 'malformed', error: c.error }
    else if (observedAt === undefined) yield { file, line, kind: c.kind, value: c.value }
    else yield { file, line, kind: c.kind, value: c.value, observedAt }
  }
}

/** Line of a character offset, from a V8 `JSON.parse` message ("… at position 123 …"). */
function lineOfParseError(text: string, message: string): number {
  const m = /position (\d+)/.exec(message)
  if (!m) return 1
  const pos = Math.min(Number(m[1]), text.length)
  let line = 1
  for (let i = text.indexOf('\n'); i !== -1 && i < pos; i = text.indexOf('\n', i + 1)) line++
  return line
}

function* jsonDocument(file: string, text: string): Generator<InputRecord> {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err: unknown) {
    const message = err instanceof Error ? err.message : String(err)
    const line = lineOfParseError(text, message)
    yield { file, line, kind: 'malformed', error: `invalid JSON: ${cleanMessage(message)}` }
    return
  }
  if (!Array.isArray(value)) {
    yield* toRecords(file, 1, value)
    return
  }
  for (const [i, item] of value.entries()) yield* toRecords(file, 1, item, undefined, `[${i}]`)
}

async function* readFormat(
  file: string,
  format: InputFormat,
  chunks: AsyncIterable<Buffer>,
  opts: ReadOptions,
): AsyncGenerator<InputRecord> {
  if (format === 'json-lines') {
    const ignored = opts.prefilter?.ignoredNamespaces
    const prefilter = ignored ? (text: string) => prefilterAuditLine(text, ignored) : undefined
    for await (const l of readJsonLines(chunks, MAX_LINE_BYTES, prefilter)) {
      if ('dropped' in l) {
        yield { file, line: l.line, kind: 'dropped', reason: l.dropped }
      } else if ('error' in l) {
        yield { file, line: l.line, kind: 'malformed', error: l.error }
      } else if (typeof l.value !== 'object' || l.value === null || Array.isArray(l.value)) {
        const error = `expected a JSON object, got ${jsonType(l.value)}`
        yield { file, line: l.line, kind: 'malformed', error }
      } else {
        yield* toRecords(file, l.line, l.value)
      }
    }
    return
  }
  const bytes = await readAllCapped(chunks, MAX_DOCUMENT_BYTES)
  if (bytes === undefined) {
    const limit = `${MAX_DOCUMENT_BYTES / MIB} MiB`
    const hint = format === 'yaml' ? 'split it into smaller files' : 'use JSON lines instead'
    const error = `${format} input larger than ${limit}: not read (${hint})`
    yield { file, line: 1, kind: 'malformed', error }
    return
  }
  const text = bytes.toString('utf8').replace(/^\uFEFF/, '')
  if (format === 'json-document') {
    yield* jsonDocument(file, text)
    return
  }
  // The YAML parser loads only for YAML input.
  const { readYamlDocuments } = await import('./yaml-stream.ts')
  for (const doc of readYamlDocuments(text)) {
    if ('error' in doc) {
      yield { file, line: doc.line, kind: 'malformed', error: doc.error }
    } else if (Array.isArray(doc.value)) {
      for (const [i, item] of doc.value.entries()) {
        yield* toRecords(file, doc.line, item, doc.observedAt, `[${i}]`)
      }
    } else {
      yield* toRecords(file, doc.line, doc.value, doc.observedAt)
    }
  }
}

/**
 * Reads one replay input file (LIFECYCLE §8) as a stream of records. The format is detected
 * from the content (gzip by its magic number, then JSON lines, a JSON document or multi-document
 * YAML, see `detectFormat`); lists and managed-cluster wrappers are expanded (see
 * `classifyValue`). Bad lines, documents and items become `malformed` records with their line
 * number, and reading goes on; corrupt gzip data ends the file with one `malformed` record.
 * Throws only when the file cannot be opened (the message names the path).
 */
export async function* readInputFile(
  path: string,
  opts: ReadOptions = {},
): AsyncGenerator<InputRecord> {
  const source = await openByteSource(path)
  let line = 0
  try {
    const { head, complete, rest } = await peek(source.chunks, SNIFF_BYTES)
    const format = detectFormat(head.toString('utf8'), complete, path)
    for await (const record of readFormat(path, format, rest, opts)) {
      line = record.line
      yield record
    }
  } catch (err: unknown) {
    if (!isZlibError(err)) {
      const reason = err instanceof Error ? err.message : String(err)
      throw new Error(`reading ${path}: ${reason}`, { cause: err })
    }
    const error = `corrupt gzip data: ${cleanMessage(err.message)}; the rest of the file is not read`
    yield { file: path, line: line + 1, kind: 'malformed', error }
  }
}
