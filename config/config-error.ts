import type * as v from 'valibot'

/** Fields of a {@link ConfigError}; `cause` is chained. */
export type ConfigErrorInit = Pick<ConfigError, 'key' | 'value' | 'problem' | 'expected'> &
  Partial<Pick<ConfigError, 'origin' | 'cause'>>

/**
 * An invalid SLO config: `key` is the JSON path (`rules[2].match.namespaceRegex`; `''` = whole
 * document), `value` the rejected value (the key name for unknown keys), `problem` what is wrong
 * (naming the value), `expected` what is accepted, `origin` the file or env var, if known.
 * Message: `invalid SLO config[ in <origin>]: <key>: <problem> (expected <expected>)`.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError'
  readonly key: string
  readonly value: unknown
  readonly problem: string
  readonly expected: string
  readonly origin: string | null

  constructor(init: ConfigErrorInit) {
    const origin = init.origin ?? null
    const where = origin === null ? '' : ` in ${origin}`
    const key = init.key === '' ? '' : `${init.key}: `
    super(`invalid SLO config${where}: ${key}${init.problem} (expected ${init.expected})`, {
      cause: init.cause,
    })
    this.key = init.key
    this.value = init.value
    this.problem = init.problem
    this.expected = init.expected
    this.origin = origin
  }
}

/** Renders a value for an error message: JSON, cut to 80 characters. */
function showValue(value: unknown): string {
  const text = value === undefined ? 'undefined' : (JSON.stringify(value) ?? String(value))
  return text.length > 80 ? `${text.slice(0, 77)}...` : text
}

/** JSON path of an issue: `a.b`, `a[2]`, `labels["app.kubernetes.io/name"]`. */
function issueKey(issue: v.BaseIssue<unknown>): string {
  let key = ''
  for (const { key: k } of issue.path ?? []) {
    if (typeof k === 'number') key += `[${k}]`
    else if (typeof k === 'string' && /^[\w$-]+$/.test(k)) key += key === '' ? k : `.${k}`
    else key += `[${JSON.stringify(k)}]`
  }
  return key
}

/** valibot's `expected` of built-in type issues → words; `custom` only comes from `plainObject`. */
const WHAT: Readonly<Record<string, string>> = {
  string: 'a string',
  boolean: 'a boolean',
  Array: 'an array',
  Object: 'an object',
  unknown: 'an object',
}

export function toConfigError(issue: v.BaseIssue<unknown>, origin: string | null): ConfigError {
  const base = { key: issueKey(issue), value: issue.input, expected: issue.message, origin }
  const shown = showValue(issue.input)
  if (issue.expected === 'never')
    return new ConfigError({ ...base, problem: `unknown key ${shown}` })
  if (issue.input === undefined && issue.received === 'undefined') {
    return new ConfigError({ ...base, problem: 'is missing' })
  }
  const what = WHAT[issue.expected ?? 'unknown'] ?? issue.expected
  return new ConfigError({ ...base, problem: `${shown} is not ${what}` })
}
