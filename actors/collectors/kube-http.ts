import http from 'node:http'
import https from 'node:https'
import { StringDecoder } from 'node:string_decoder'
import type { KubeConfig } from '@kubernetes/client-node'

/** Query parameters of an API request; `undefined` values are left out. */
export type KubeQuery = Readonly<Record<string, string | number | boolean | undefined>>

/**
 * The API server refused a request (HTTP status ≠ 200) or a watch reported an `ERROR` event:
 * `status` is the HTTP status or the `Status` object's `code` (410 = the resource version is too
 * old: re-list), `reason` the `Status` reason (`Expired`, `Gone`, `Forbidden`, …).
 */
export class KubeApiError extends Error {
  override readonly name = 'KubeApiError'
  readonly path: string
  readonly status: number
  readonly reason: string | undefined

  constructor(path: string, status: number, message: string, reason?: string) {
    super(`${path}: ${status}${reason ? ` ${reason}` : ''}: ${message}`)
    this.path = path
    this.status = status
    this.reason = reason
  }

  /** 410 Gone: the requested resourceVersion (or continue token) was compacted away. */
  get expired(): boolean {
    return this.status === 410
  }
}

/** Reads a `meta/v1 Status` object (a failed request's body, a watch `ERROR` event's object). */
export function readStatus(value: unknown): { code?: number; reason?: string; message: string } {
  if (typeof value !== 'object' || value === null) return { message: String(value) }
  const s = value as { code?: unknown; reason?: unknown; message?: unknown }
  return {
    ...(typeof s.code === 'number' ? { code: s.code } : {}),
    ...(typeof s.reason === 'string' ? { reason: s.reason } : {}),
    message: typeof s.message === 'string' ? s.message : JSON.stringify(value),
  }
}

const ERROR_BODY_LIMIT = 64 * 1024

/**
 * Raw HTTP against the API server with the kubeconfig's endpoint, TLS material and credentials
 * (`applyToHTTPSOptions`, called per request so exec/OIDC tokens are refreshed). Raw JSON rather
 * than the generated `CoreV1Api`: its deserialiser turns timestamps into `Date`s, which loses the
 * microseconds of `events.k8s.io` `eventTime`, and a streamed body gives backpressure for free.
 */
export class KubeHttp {
  readonly #kc: KubeConfig
  readonly #requestTimeoutMs: number

  constructor(kc: KubeConfig, requestTimeoutMs = 60_000) {
    this.#kc = kc
    this.#requestTimeoutMs = requestTimeoutMs
  }

  /** The API server URL of the current context; throws when the kubeconfig names no cluster. */
  server(): string {
    const cluster = this.#kc.getCurrentCluster()
    if (!cluster?.server) throw new Error('kubeconfig: the current context names no cluster server')
    return cluster.server.replace(/\/+$/, '')
  }

  /** GET returning the parsed JSON body (lists); throws KubeApiError on a non-200 answer. */
  async getJson(path: string, query: KubeQuery, signal: AbortSignal): Promise<unknown> {
    const res = await this.#get(path, query, signal, this.#requestTimeoutMs)
    const chunks: Buffer[] = []
    for await (const chunk of res) chunks.push(chunk as Buffer)
    const text = Buffer.concat(chunks).toString('utf8')
    try {
      return JSON.parse(text)
    } catch (err: unknown) {
      throw new KubeApiError(path, 200, `response is not JSON: ${String(err)}`)
    }
  }

  /**
   * GET returning the open response (watches). The socket is torn down when it stays silent for
   * `idleMs` (a half-open connection never ends by itself) or when `signal` aborts.
   */
  stream(
    path: string,
    query: KubeQuery,
    signal: AbortSignal,
    idleMs: number,
  ): Promise<http.IncomingMessage> {
    return this.#get(path, query, signal, idleMs)
  }

  async #get(
    path: string,
    query: KubeQuery,
    signal: AbortSignal,
    idleMs: number,
  ): Promise<http.IncomingMessage> {
    const url = new URL(this.server() + path)
    for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, `${v}`)
    const opts: https.RequestOptions = { method: 'GET', headers: { Accept: 'application/json' } }
    await this.#kc.applyToHTTPSOptions(opts)
    const client = url.protocol === 'http:' ? http : https
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = client.request(url, { ...opts, signal }, resolve)
      req.setTimeout(idleMs, () => req.destroy(new Error(`${path}: no data for ${idleMs} ms`)))
      req.on('error', reject)
      req.end()
    })
    if (res.statusCode === 200) return res
    const body = await readCapped(res, ERROR_BODY_LIMIT)
    let status: ReturnType<typeof readStatus> = { message: body || (res.statusMessage ?? '') }
    try {
      status = readStatus(JSON.parse(body))
    } catch {
      // A proxy's HTML or plain-text error page: keep the text as the message.
    }
    throw new KubeApiError(path, res.statusCode ?? 0, status.message, status.reason)
  }
}

async function readCapped(res: http.IncomingMessage, limit: number): Promise<string> {
  let text = ''
  for await (const chunk of res) {
    if (text.length < limit) text += (chunk as Buffer).toString('utf8')
  }
  return text.slice(0, limit)
}

/**
 * The lines of a newline-delimited stream (a watch body), decoded as UTF-8 across chunk
 * boundaries. A partial last line (the connection died mid-event) is not yielded: the watch
 * resumes from the last complete event's resourceVersion, so that event arrives again whole.
 */
export async function* readLines(body: AsyncIterable<Buffer | string>): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8')
  let rest = ''
  for await (const chunk of body) {
    rest += typeof chunk === 'string' ? chunk : decoder.write(chunk)
    let start = 0
    for (let nl = rest.indexOf('\n'); nl !== -1; nl = rest.indexOf('\n', start)) {
      const line = rest.slice(start, nl).trim()
      start = nl + 1
      if (line) yield line
    }
    rest = rest.slice(start)
  }
}
