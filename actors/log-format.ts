import { Writable } from 'node:stream'

const LEVELS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
}
/** pino's own fields, shown in the line's head (or dropped) rather than as key=value. */
const HEAD = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'component'])

function value(v: unknown): string {
  if (typeof v === 'string') return /[\s"=]/.test(v) ? JSON.stringify(v) : v
  return JSON.stringify(v) ?? String(v)
}

/**
 * One pino JSON line as a person reads it: `12:03:04.120 WARN  [gateway] msg key=value …`, an
 * error's stack on the following lines. A line that is not JSON is passed through unchanged.
 */
export function humanLine(line: string): string {
  let o: Record<string, unknown>
  try {
    o = JSON.parse(line) as Record<string, unknown>
  } catch {
    return line
  }
  const time = typeof o.time === 'number' ? new Date(o.time).toISOString().slice(11, 23) : ''
  const level = (LEVELS[Number(o.level)] ?? String(o.level)).padEnd(5)
  const component = typeof o.component === 'string' ? ` [${o.component}]` : ''
  const err = o.err as { stack?: unknown } | undefined
  const fields = Object.entries(o)
    .filter(([k]) => !HEAD.has(k) && k !== 'err')
    .map(([k, v]) => `${k}=${value(v)}`)
  const stack = typeof err?.stack === 'string' ? `\n  ${err.stack.replaceAll('\n', '\n  ')}` : ''
  return `${time} ${level}${component} ${String(o.msg ?? '')}${fields.length ? ` ${fields.join(' ')}` : ''}${stack}`
}

/**
 * A destination that writes pino's JSON lines to `out` human-readable (for a terminal). Lines
 * split across chunks are joined before formatting.
 */
export function humanDestination(out: { write(s: string): unknown }): Writable {
  let pending = ''
  return new Writable({
    write(chunk: Buffer | string, _enc, done) {
      pending += chunk.toString()
      const lines = pending.split('\n')
      pending = lines.pop() ?? ''
      for (const l of lines) if (l !== '') out.write(`${humanLine(l)}\n`)
      done()
    },
    final(done) {
      if (pending !== '') out.write(`${humanLine(pending)}\n`)
      done()
    },
  })
}
