/** Where the client talks to and how it writes. */
export interface ClientContext {
  server: string
  token: string | undefined
  json: boolean
  /** Colour escapes allowed: stdout is a TTY and NO_COLOR is not set. */
  color: boolean
  /** Box-drawing bars allowed (a TTY); plain `#` otherwise. */
  tty: boolean
  write(text: string): void
  error(text: string): void
}

type Env = Record<string, string | undefined>

/** Default gateway address (what `kubectl port-forward svc/lunettes 8080` gives). */
export const DEFAULT_SERVER = 'http://127.0.0.1:8080'

/** The context from flags, then `LUNETTES_SERVER` / `LUNETTES_TOKEN`, then defaults. */
export function clientContext(
  flags: { server?: string | undefined; token?: string | undefined; json?: boolean | undefined },
  env: Env,
  out: { isTTY?: boolean | undefined; write(s: string): unknown },
  err: { write(s: string): unknown },
): ClientContext {
  const tty = out.isTTY === true
  return {
    server: (flags.server ?? env.LUNETTES_SERVER ?? DEFAULT_SERVER).replace(/\/+$/, ''),
    token: flags.token ?? env.LUNETTES_TOKEN ?? undefined,
    json: flags.json === true,
    color: tty && !env.NO_COLOR,
    tty,
    write: (s) => void out.write(s),
    error: (s) => void err.write(s),
  }
}

/** One GET answer: the status and the body exactly as sent. */
export interface Answer {
  status: number
  body: string
}

/** GET `path` (with its query) on the gateway, with the bearer token when given. */
export async function get(ctx: ClientContext, path: string): Promise<Answer> {
  const headers: Record<string, string> = { accept: 'application/json' }
  if (ctx.token) headers.authorization = `Bearer ${ctx.token}`
  let res: Response
  try {
    res = await fetch(`${ctx.server}${path}`, { headers, signal: AbortSignal.timeout(30_000) })
  } catch (err: unknown) {
    const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : ''
    throw new Error(`cannot reach ${ctx.server}${cause} (set --server or LUNETTES_SERVER)`)
  }
  return { status: res.status, body: await res.text() }
}

/**
 * Prints an error answer (`{"error":{code,message}}` or the raw text) and returns the exit code:
 * 1 for any non-2xx answer; with `--json` the body still goes to stdout unchanged.
 */
export function failed(ctx: ClientContext, a: Answer): number {
  if (ctx.json) ctx.write(a.body)
  let message = a.body.slice(0, 500)
  try {
    const e = (JSON.parse(a.body) as { error?: { code?: string; message?: string } }).error
    if (e?.message) message = `${e.code ?? 'Error'}: ${e.message}`
  } catch {
    // not JSON: the text itself
  }
  const hint = a.status === 401 ? ' (give --token or LUNETTES_TOKEN)' : ''
  ctx.error(`lunettes: HTTP ${a.status} ${message}${hint}\n`)
  return 1
}

const CODES = { red: 31, green: 32, yellow: 33, dim: 2, bold: 1, cyan: 36 } as const

/** `text` in a colour when colour is allowed. */
export function paint(ctx: ClientContext, colour: keyof typeof CODES, text: string): string {
  return ctx.color ? `\x1b[${CODES[colour]}m${text}\x1b[0m` : text
}

/** The colour of a verdict (the word is always printed too). */
export function verdictColour(result: string): keyof typeof CODES {
  if (result === 'success') return 'green'
  if (['failed', 'killed', 'timeout'].includes(result)) return 'red'
  if (['late', 'violated', 'pending'].includes(result)) return 'yellow'
  return 'dim'
}

/** Pads or cuts `text` to `width` columns. */
export function col(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width)
}
