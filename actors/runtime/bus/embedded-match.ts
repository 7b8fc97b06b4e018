/**
 * NATS subject matching for the embedded bus: tokens separated by `.`, `*` matches exactly one
 * token, `>` (last token only) matches one or more tokens.
 */
export function subjectMatches(pattern: string, subject: string): boolean {
  if (pattern === subject) return true
  const p = pattern.split('.')
  const s = subject.split('.')
  for (let i = 0; i < p.length; i++) {
    const token = p[i]
    if (token === '>') return s.length > i
    if (i >= s.length) return false
    if (token !== '*' && token !== s[i]) return false
  }
  return p.length === s.length
}

/** Throws unless `subject` is a valid subject (or, with `wildcards`, a valid pattern). */
export function checkSubject(subject: string, wildcards: boolean): void {
  const tokens = subject.split('.')
  const bad = tokens.some(
    (token, i) =>
      token === '' ||
      /\s/.test(token) ||
      (!wildcards && (token === '*' || token === '>')) ||
      (token === '>' && i !== tokens.length - 1),
  )
  if (bad) throw new TypeError(`invalid subject ${JSON.stringify(subject)}`)
}

/** Whether a stream pattern could capture subjects that one of `patterns` already captures. */
export function overlapsAny(pattern: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => subjectMatches(pattern, p) || subjectMatches(p, pattern))
}
