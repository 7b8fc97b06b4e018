/**
 * Finds every regular expression a TypeScript source writes as a literal: `/…/flags` and
 * `new RegExp('…', 'flags')` / `RegExp("…")` with string-literal arguments. The project's
 * `typescript` package is TS 7 (native, no JS API), so this is a small tokenizer: it skips
 * comments, strings and template literals (with nested `${…}`), and tells a regex literal from a
 * division by the token before the slash. A `RegExp(…)` call whose pattern is not a plain string
 * literal is reported as `dynamic`, so a caller can refuse what it cannot check.
 */

/** One regex found in a source. */
export interface FoundRegex {
  readonly file: string
  readonly line: number
  readonly source: string
  readonly flags: string
  /** `literal` for `/…/`, `constructor` for `RegExp('…')`, `dynamic` for a non-literal pattern. */
  readonly kind: 'literal' | 'constructor' | 'dynamic'
}

type Token =
  | { t: 'regex'; source: string; flags: string; line: number }
  | { t: 'string'; value: string; line: number }
  | { t: 'template'; line: number }
  | { t: 'name'; value: string; line: number }
  | { t: 'num'; line: number }
  | { t: 'punct'; value: string; line: number }

// After these keywords an expression starts, so `/` opens a regex.
const EXPR_KEYWORDS = new Set([
  'return',
  'typeof',
  'case',
  'do',
  'else',
  'in',
  'of',
  'new',
  'delete',
  'void',
  'throw',
  'instanceof',
  'yield',
  'await',
])

function regexAllowed(prev: Token | undefined): boolean {
  if (!prev) return true
  if (prev.t === 'name') return EXPR_KEYWORDS.has(prev.value)
  if (prev.t === 'punct') return prev.value !== ')' && prev.value !== ']'
  return false
}

const ESCAPES: Readonly<Record<string, string>> = {
  n: '\n',
  t: '\t',
  r: '\r',
  b: '\b',
  f: '\f',
  v: '\v',
  '0': '\0',
}

/** Tokenizes `text`; throws on an unterminated string, template, comment or regex. */
export function tokenize(text: string): Token[] {
  const out: Token[] = []
  let i = 0
  let line = 1
  // Brace depth of each open `${` so that its `}` resumes the template.
  const templateDepth: number[] = []
  let depth = 0
  const fail = (what: string): never => {
    throw new Error(`unterminated ${what} at line ${line}`)
  }
  const readTemplate = (): void => {
    const start = line
    for (;;) {
      const c = text[i]
      if (c === undefined) fail('template')
      if (c === '\\') {
        if (text[i + 1] === '\n') line++
        i += 2
        continue
      }
      if (c === '\n') line++
      if (c === '`') {
        i++
        out.push({ t: 'template', line: start })
        return
      }
      if (c === '$' && text[i + 1] === '{') {
        i += 2
        templateDepth.push(depth)
        depth++
        out.push({ t: 'template', line: start })
        out.push({ t: 'punct', value: '(', line })
        return
      }
      i++
    }
  }
  while (i < text.length) {
    const c = text[i] as string
    const next = text[i + 1]
    if (c === '\n') {
      line++
      i++
    } else if (/\s/.test(c)) {
      i++
    } else if (c === '/' && next === '/') {
      while (i < text.length && text[i] !== '\n') i++
    } else if (c === '/' && next === '*') {
      const end = text.indexOf('*/', i + 2)
      if (end < 0) fail('comment')
      for (let k = i; k < end; k++) if (text[k] === '\n') line++
      i = end + 2
    } else if (c === '"' || c === "'") {
      let value = ''
      i++
      for (;;) {
        const d = text[i]
        if (d === undefined || d === '\n') fail('string')
        if (d === c) break
        if (d === '\\') {
          const e = text[i + 1] ?? ''
          value += ESCAPES[e] ?? e
          i += 2
          continue
        }
        value += d
        i++
      }
      i++
      out.push({ t: 'string', value, line })
    } else if (c === '`') {
      i++
      readTemplate()
    } else if (c === '/' && regexAllowed(out.at(-1))) {
      const start = line
      let inClass = false
      let k = i + 1
      for (;;) {
        const d = text[k]
        if (d === undefined || d === '\n') fail('regex')
        if (d === '\\') {
          k += 2
          continue
        }
        if (d === '[') inClass = true
        else if (d === ']') inClass = false
        else if (d === '/' && !inClass) break
        k++
      }
      const source = text.slice(i + 1, k)
      let f = k + 1
      while (f < text.length && /[a-z]/i.test(text[f] as string)) f++
      out.push({ t: 'regex', source, flags: text.slice(k + 1, f), line: start })
      i = f
    } else if (/[A-Za-z_$]/.test(c)) {
      let k = i + 1
      while (k < text.length && /[\w$]/.test(text[k] as string)) k++
      out.push({ t: 'name', value: text.slice(i, k), line })
      i = k
    } else if (/\d/.test(c) || (c === '.' && next !== undefined && /\d/.test(next))) {
      let k = i + 1
      while (k < text.length && /[\w.]/.test(text[k] as string)) k++
      out.push({ t: 'num', line })
      i = k
    } else if (c === '}' && templateDepth.at(-1) === depth - 1) {
      templateDepth.pop()
      depth--
      i++
      out.push({ t: 'punct', value: ')', line })
      readTemplate()
    } else {
      if (c === '{') depth++
      if (c === '}') depth--
      out.push({ t: 'punct', value: c, line })
      i++
    }
  }
  return out
}

/** Every regex `file`'s `text` writes (see the module comment). */
export function findRegexes(file: string, text: string): FoundRegex[] {
  const tokens = tokenize(text)
  const found: FoundRegex[] = []
  tokens.forEach((tok, i) => {
    if (tok.t === 'regex') {
      found.push({ file, line: tok.line, source: tok.source, flags: tok.flags, kind: 'literal' })
      return
    }
    if (tok.t !== 'name' || tok.value !== 'RegExp') return
    const open = tokens[i + 1]
    if (open?.t !== 'punct' || open.value !== '(') return // a type annotation such as `RegExp[]`
    const pattern = tokens[i + 2]
    const after = tokens[i + 3]
    const flags = after?.t === 'punct' && after.value === ',' ? tokens[i + 4] : undefined
    const closeAt = flags ? i + 5 : i + 3
    const close = tokens[closeAt]
    const literalFlags = flags === undefined || flags.t === 'string'
    if (pattern?.t === 'string' && literalFlags && close?.t === 'punct' && close.value === ')') {
      const f = flags?.t === 'string' ? flags.value : ''
      found.push({ file, line: tok.line, source: pattern.value, flags: f, kind: 'constructor' })
      return
    }
    found.push({ file, line: tok.line, source: '', flags: '', kind: 'dynamic' })
  })
  return found
}
