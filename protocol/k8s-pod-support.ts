import * as v from 'valibot'

/** A plain JSON object (not an array, not null). */
export function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x)
}

/**
 * Copies an object without its `undefined` values, so optional fields stay absent under
 * `exactOptionalPropertyTypes`. Optional keys of `T` may be passed as `undefined`.
 */
export function present<T extends object>(fields: { [K in keyof T]: T[K] | undefined }): T {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined) out[key] = value
  }
  return out as T
}

/** A non-empty string, or `undefined` for anything else (null, '', numbers). */
export function text(x: unknown): string | undefined {
  return typeof x === 'string' && x !== '' ? x : undefined
}

/** Names what is wrong with an input: `<subject>: <dot.path>: <valibot message>` (first issue). */
export function issueText(subject: string, issues: readonly v.BaseIssue<unknown>[]): string {
  const issue = issues[0]
  if (!issue) return `${subject}: invalid`
  const path = v.getDotPath(issue)
  return path ? `${subject}: ${path}: ${issue.message}` : `${subject}: ${issue.message}`
}

/** Describes a value's JSON type for messages: `array`, `null`, `string`, … */
export function jsonType(x: unknown): string {
  if (x === null) return 'null'
  if (Array.isArray(x)) return 'array'
  return typeof x
}
