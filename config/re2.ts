import { RE2JS } from 're2js'

/**
 * Longest text a config regex is run on, in UTF-16 code units; longer input is cut to this before
 * matching. Kubernetes Event messages are capped at 1 KiB by the API server, operation strings are
 * short: the cap only bounds tenant-written text.
 */
export const RE2_INPUT_CAP = 4096

/** One match: the whole match, the numbered groups (null when a group did not take part), names. */
export interface Re2Match {
  readonly groups: readonly (string | null)[]
  readonly named: Readonly<Record<string, string | null>>
}

/**
 * A regex from config, in Go RE2 syntax (upstream Lunettes writes its span config for Go's
 * `regexp`), run by `re2js`: pure JS, linear time in the input, so hostile text cannot stall it.
 * Like Go's `FindStringSubmatch`, it matches anywhere (unanchored) and returns the leftmost match.
 */
export interface Re2 {
  readonly source: string
  /** The leftmost match in `text` (cut to {@link RE2_INPUT_CAP}), or null. */
  exec(text: string): Re2Match | null
  /** Whether the regex matches anywhere in `text` (cut to {@link RE2_INPUT_CAP}). */
  test(text: string): boolean
}

/** A regex source that RE2 cannot run; `message` is RE2's parse error. */
export class Re2SyntaxError extends Error {
  override readonly name = 'Re2SyntaxError'
  readonly source: string

  constructor(source: string, message: string) {
    super(message)
    this.source = source
  }
}

/**
 * Compiles an RE2 regex source.
 *
 * @throws {Re2SyntaxError} when RE2 rejects it (lookaround, backreferences, bad escapes…).
 */
export function compileRe2(source: string): Re2 {
  let re: RE2JS
  try {
    re = RE2JS.compile(source)
  } catch (err: unknown) {
    throw new Re2SyntaxError(source, err instanceof Error ? err.message : String(err))
  }
  const count = re.groupCount()
  const names = Object.entries(re.namedGroups() as Record<string, number>)
  const cut = (text: string) => (text.length > RE2_INPUT_CAP ? text.slice(0, RE2_INPUT_CAP) : text)
  return {
    source,
    exec(text) {
      const m = re.matcher(cut(text))
      if (!m.find()) return null
      const groups: (string | null)[] = []
      for (let i = 0; i <= count; i++) groups.push(m.group(i))
      const named: Record<string, string | null> = {}
      for (const [name, index] of names) named[name] = groups[index] ?? null
      return { groups, named }
    },
    test(text) {
      return re.matcher(cut(text)).find()
    },
  }
}
