import { Composer, type Document, LineCounter, Parser } from 'yaml'
import { parseTime } from '../../protocol/time.ts'
import { cleanMessage } from './json-lines.ts'

/** A YAML document's value (with the observation time from a kspan comment), or its error. */
export type YamlDoc =
  | { readonly line: number; readonly value: unknown; readonly observedAt?: number }
  | { readonly line: number; readonly error: string }

/**
 * The observation time a kspan recording writes before each document:
 * `# {"time":"2021-05-19T09:42:58.640117041Z","style":"event","kind":"Event"}` → epoch µs.
 */
export function observedAtFromComment(comment: string | null | undefined): number | undefined {
  if (!comment) return undefined
  for (const raw of comment.split('\n')) {
    const text = raw.trim()
    if (!text.startsWith('{') || !text.includes('"time"')) continue
    try {
      const meta: unknown = JSON.parse(text)
      if (typeof meta === 'object' && meta !== null && 'time' in meta) {
        const stamp = parseTime(meta.time)
        if (stamp) return stamp.time
      }
    } catch {
      // Not JSON: an ordinary comment (a licence header, a note); nothing to take from it.
    }
  }
  return undefined
}

function firstLine(message: string): string {
  const nl = message.indexOf('\n')
  return cleanMessage(nl === -1 ? message : message.slice(0, nl))
}

function contentStart(doc: Document.Parsed): number {
  const contents = doc.contents
  return contents?.range?.[0] ?? doc.range[0]
}

/**
 * Splits a multi-document YAML text into documents and converts each to plain data, in order.
 * Empty (and `null`) documents are skipped. A document with a syntax error, or one that cannot be converted
 * (too many aliases), is reported with its line and the rest are still read. Lines are 1-based
 * and point at the document's first content line. YAML 1.2 core schema: timestamps stay strings.
 */
export function* readYamlDocuments(text: string): Generator<YamlDoc> {
  const lines = new LineCounter()
  const parser = new Parser(lines.addNewLine)
  const composer = new Composer()
  for (const doc of composer.compose(parser.parse(text))) {
    const line = lines.linePos(contentStart(doc)).line
    const error = doc.errors[0]
    if (error) {
      const at = lines.linePos(error.pos[0]).line
      yield { line: at, error: `invalid YAML: ${firstLine(error.message)}` }
      continue
    }
    let value: unknown
    try {
      value = doc.toJS({ maxAliasCount: 100 })
    } catch (err: unknown) {
      const message = err instanceof Error ? err.message : String(err)
      yield { line, error: `invalid YAML: ${firstLine(message)}` }
      continue
    }
    // An empty document (`---` at the end, a comment-only file) holds nothing to report.
    if (value === null || value === undefined || doc.contents === null) continue
    const observedAt =
      observedAtFromComment(doc.contents.commentBefore) ?? observedAtFromComment(doc.commentBefore)
    yield observedAt === undefined ? { line, value } : { line, value, observedAt }
  }
}
