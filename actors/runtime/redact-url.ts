/**
 * `scheme://userinfo@` anywhere in a text: the userinfo part is what we hide. Linear: one
 * character class run, bounded by `@`, `/` or white space.
 */
const USERINFO = /([a-z][a-z0-9+.-]*:\/\/)[^\s/@]+@/gi

/**
 * The text with the userinfo of every URL in it replaced by `***` (`redis://u:p@h:6379` →
 * `redis://***@h:6379`), for log lines and error messages; text without URLs is returned as is.
 */
export function redactUrl(text: string): string {
  return text.replace(USERINFO, '$1***@')
}

/** Properties of an error that may hold a secret (ioredis' `command` has the AUTH arguments). */
const SECRET_PROPS = new Set(['command', 'args', 'password', 'pass', 'token', 'options'])

/**
 * A copy of an error safe to log: message and stack with URLs redacted, properties that may hold
 * secrets left out, the `cause` chain treated the same way (to a depth of 5). Not an Error: as is.
 */
export function redactError(err: unknown, depth = 0): unknown {
  if (!(err instanceof Error)) return typeof err === 'string' ? redactUrl(err) : err
  const cause =
    err.cause === undefined || depth >= 5 ? undefined : redactError(err.cause, depth + 1)
  const copy = new Error(redactUrl(err.message), cause === undefined ? undefined : { cause })
  copy.name = err.name
  copy.stack = err.stack === undefined ? '' : redactUrl(err.stack)
  const fields = copy as unknown as Record<string, unknown>
  for (const [key, value] of Object.entries(err)) {
    if (SECRET_PROPS.has(key) || key === 'cause') continue
    fields[key] = typeof value === 'string' ? redactUrl(value) : value
  }
  return copy
}
