import { readFile, writeFile } from 'node:fs/promises'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import {
  answerReview,
  type FakeUser,
  REVIEW,
  type RecordedReview,
} from './fake-apiserver-reviews.ts'

export type { FakeUser, RecordedReview }

/** What the fake serves: Pods, core/v1 Events, events.k8s.io/v1 Events. */
export type FakeResource = 'pods' | 'events' | 'events.k8s.io'
export type FakeEventType = 'ADDED' | 'MODIFIED' | 'DELETED'
type Obj = Record<string, unknown>

/** One request the fake answered (lists and watches), in arrival order. */
export interface RecordedRequest {
  readonly resource: FakeResource
  readonly namespace: string | undefined
  readonly watch: boolean
  readonly query: Readonly<Record<string, string>>
  readonly authorization: string | undefined
  /** Arrival time, epoch ms. */
  readonly at: number
}

interface Watcher {
  readonly resource: FakeResource
  readonly namespace: string | undefined
  readonly bookmarks: boolean
  readonly res: ServerResponse
}

const API = { pods: 'v1', events: 'v1', 'events.k8s.io': 'events.k8s.io/v1' } as const
const KIND = { pods: 'Pod', events: 'Event', 'events.k8s.io': 'Event' } as const
const ROUTE = /^\/(?:api\/v1|apis\/(events\.k8s\.io)\/v1)(?:\/namespaces\/([^/]+))?\/(pods|events)$/

const meta = (o: Obj): Obj => (o.metadata ?? {}) as Obj
const status = (code: number, reason: string, message: string): Obj => ({
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Failure',
  message,
  reason,
  code,
})

/**
 * A fake Kubernetes API server on `node:http` (port 0) speaking the real list/watch protocol, as
 * kubernetes-client/javascript's `watch_test.ts` stands one up: paginated lists (`limit`,
 * `continue`, a consistent snapshot per list, items without kind/apiVersion), and watches from a
 * resourceVersion streaming newline-delimited `{type, object}` events with chunked encoding,
 * replaying the event log after the requested version (so a reconnect misses nothing),
 * bookmarks, 410 Gone and dropped connections on demand. The test drives it with `apply`.
 */
export class FakeApiServer {
  readonly requests: RecordedRequest[] = []
  /** TokenReviews and SubjectAccessReviews, in arrival order. */
  readonly reviews: RecordedReview[] = []
  /** Bearer token → user, for TokenReview. */
  readonly users = new Map<string, FakeUser>()
  /** What `GET /api/v1/namespaces` lists; unset: the namespaces of the stored pods. */
  namespaceNames: string[] | undefined
  url = ''
  readonly #server = createServer((req, res) => this.#handle(req, res))
  readonly #store = new Map<FakeResource, Map<string, Obj>>()
  readonly #log: { rv: number; resource: FakeResource; type: string; object: Obj }[] = []
  readonly #watchers = new Set<Watcher>()
  readonly #snapshots: { rv: number; items: Obj[] }[] = []
  readonly #gone: { resource: FakeResource | undefined; asStatus: boolean }[] = []
  readonly #drops: (FakeResource | undefined)[] = []
  readonly #listFailures = new Map<FakeResource, { times: number; code: number }>()
  #rv = 1

  static async start(): Promise<FakeApiServer> {
    const fake = new FakeApiServer()
    await new Promise<void>((resolve) => fake.#server.listen(0, '127.0.0.1', resolve))
    fake.url = `http://127.0.0.1:${(fake.#server.address() as AddressInfo).port}`
    return fake
  }

  /** Sets the initial objects (what lists return before any `apply`), keeping their versions. */
  seed(resource: FakeResource, items: readonly Obj[]): void {
    const store = this.#objects(resource)
    for (const item of items) {
      store.set(keyOf(item), structuredClone(item))
      this.#rv = Math.max(this.#rv, Number(meta(item).resourceVersion) || 0)
    }
  }

  /**
   * A change in the cluster: new resourceVersion, stored, logged and sent to open watches;
   * `compacted`: stored only, as if its event had already fallen out of the watch window.
   */
  apply(resource: FakeResource, type: FakeEventType, object: Obj, compacted = false): Obj {
    const rv = ++this.#rv
    const obj: Obj = { kind: KIND[resource], apiVersion: API[resource], ...structuredClone(object) }
    obj.metadata = { ...meta(obj), resourceVersion: String(rv) }
    if (type === 'DELETED') this.#objects(resource).delete(keyOf(obj))
    else this.#objects(resource).set(keyOf(obj), obj)
    if (compacted) return obj
    this.#log.push({ rv, resource, type, object: obj })
    for (const w of this.#watchers)
      if (w.resource === resource) this.#send(w, { type, object: obj })
    return obj
  }

  /** Sends a BOOKMARK at the current resourceVersion to watches that asked for bookmarks. */
  bookmark(): string {
    for (const w of this.#watchers) {
      if (!w.bookmarks) continue
      const object = { kind: KIND[w.resource], apiVersion: API[w.resource] }
      this.#send(w, {
        type: 'BOOKMARK',
        object: { ...object, metadata: { resourceVersion: `${this.#rv}` } },
      })
    }
    return String(this.#rv)
  }

  /** The next watch (of `resource`, or any) gets 410 Gone: an ERROR event, or the HTTP status. */
  return410Once(resource?: FakeResource, asStatus = false): void {
    this.#gone.push({ resource, asStatus })
  }

  /** The next event sent to a watch (of `resource`, or any) is cut in half and the socket dies. */
  dropConnectionOnce(resource?: FakeResource): void {
    this.#drops.push(resource)
  }

  /** The next `times` list requests of `resource` fail with HTTP `code`. */
  failLists(resource: FakeResource, times: number, code = 500): void {
    this.#listFailures.set(resource, { times, code })
  }

  /** Ends every open watch normally, as the server's `timeoutSeconds` would. */
  endWatches(): void {
    for (const w of this.#watchers) w.res.end()
    this.#watchers.clear()
  }

  /** `resourceVersion` asked by each watch request of `resource`, in order. */
  watchVersions(resource: FakeResource): (string | undefined)[] {
    return this.#requestsOf(resource, true).map((r) => r.query.resourceVersion)
  }

  /** Complete lists started (first pages: requests without `continue`) of `resource`. */
  lists(resource: FakeResource): RecordedRequest[] {
    return this.#requestsOf(resource, false).filter((r) => r.query.continue === undefined)
  }

  async close(): Promise<void> {
    this.endWatches()
    this.#server.closeAllConnections()
    await new Promise<void>((resolve) => this.#server.close(() => resolve()))
  }

  #requestsOf(resource: FakeResource, watch: boolean): RecordedRequest[] {
    return this.requests.filter((r) => r.resource === resource && r.watch === watch)
  }

  #objects(resource: FakeResource): Map<string, Obj> {
    const store = this.#store.get(resource) ?? new Map<string, Obj>()
    this.#store.set(resource, store)
    return store
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://fake')
    const review = REVIEW.exec(url.pathname)
    if (req.method === 'POST' && review) {
      const kind = review[1]?.startsWith('authentication') ? 'TokenReview' : 'SubjectAccessReview'
      answerReview(req, res, kind, this.users, this.reviews)
      return
    }
    if (req.method === 'GET' && url.pathname === '/api/v1/namespaces') {
      const names = this.namespaceNames ?? [
        ...new Set([...this.#objects('pods').values()].map((o) => String(meta(o).namespace))),
      ]
      json(res, 200, {
        kind: 'NamespaceList',
        apiVersion: 'v1',
        metadata: { resourceVersion: String(this.#rv) },
        items: names.map((name) => ({ metadata: { name } })),
      })
      return
    }
    const m = ROUTE.exec(url.pathname)
    if (req.method !== 'GET' || !m) {
      json(res, 404, status(404, 'NotFound', `the server could not find ${url.pathname}`))
      return
    }
    const resource: FakeResource = m[3] === 'pods' ? 'pods' : m[1] ? 'events.k8s.io' : 'events'
    const namespace = m[2] === undefined ? undefined : decodeURIComponent(m[2])
    const query = Object.fromEntries(url.searchParams)
    const watch = query.watch === 'true' || query.watch === '1'
    const authorization = req.headers.authorization
    this.requests.push({ resource, namespace, watch, query, authorization, at: Date.now() })
    if (watch) this.#watch(resource, namespace, query, res)
    else this.#list(resource, namespace, query, res)
  }

  #list(resource: FakeResource, ns: string | undefined, q: Obj, res: ServerResponse): void {
    const failure = this.#listFailures.get(resource)
    if (failure && failure.times > 0) {
      failure.times--
      json(res, failure.code, status(failure.code, 'InternalError', 'etcdserver: leader changed'))
      return
    }
    let snapshot = -1
    let offset = 0
    if (typeof q.continue === 'string') {
      const token = JSON.parse(Buffer.from(q.continue, 'base64url').toString()) as [number, number]
      ;[snapshot, offset] = token
    } else {
      const items = [...this.#objects(resource).values()]
        .filter((o) => ns === undefined || meta(o).namespace === ns)
        .map(({ kind: _k, apiVersion: _a, ...item }) => item)
      snapshot = this.#snapshots.push({ rv: this.#rv, items }) - 1
    }
    const { rv, items: all } = this.#snapshots[snapshot] ?? { rv: this.#rv, items: [] }
    const limit = Number(q.limit) > 0 ? Number(q.limit) : all.length
    const items = all.slice(offset, offset + limit)
    const more = offset + limit < all.length
    const token = Buffer.from(JSON.stringify([snapshot, offset + limit])).toString('base64url')
    json(res, 200, {
      kind: `${KIND[resource]}List`,
      apiVersion: API[resource],
      metadata: {
        resourceVersion: String(rv),
        ...(more ? { continue: token, remainingItemCount: all.length - offset - limit } : {}),
      },
      items,
    })
  }

  #watch(resource: FakeResource, ns: string | undefined, q: Obj, res: ServerResponse): void {
    const since = typeof q.resourceVersion === 'string' ? q.resourceVersion : ''
    const gone = this.#gone.findIndex((g) => g.resource === undefined || g.resource === resource)
    if (gone !== -1) {
      const { asStatus } = this.#gone.splice(gone, 1)[0] ?? { asStatus: false }
      const expired = status(410, 'Expired', `too old resource version: ${since} (${this.#rv})`)
      if (asStatus) json(res, 410, expired)
      else {
        res.writeHead(200, { 'Content-Type': 'application/json' })
        res.end(`${JSON.stringify({ type: 'ERROR', object: expired })}\n`)
      }
      return
    }
    res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' })
    res.flushHeaders()
    const w: Watcher = { resource, namespace: ns, bookmarks: q.allowWatchBookmarks === 'true', res }
    this.#watchers.add(w)
    res.on('close', () => this.#watchers.delete(w))
    if (since === '' || since === '0') {
      for (const object of this.#objects(resource).values())
        this.#send(w, { type: 'ADDED', object })
    } else {
      for (const e of this.#log) {
        if (e.resource === resource && e.rv > Number(since)) this.#send(w, e)
      }
    }
  }

  #send(w: Watcher, e: { type: string; object: Obj }): void {
    if (!this.#watchers.has(w)) return
    if (
      w.namespace !== undefined &&
      e.type !== 'BOOKMARK' &&
      meta(e.object).namespace !== w.namespace
    ) {
      return
    }
    const line = `${JSON.stringify({ type: e.type, object: e.object })}\n`
    const drop = this.#drops.findIndex((d) => d === undefined || d === w.resource)
    if (drop === -1) {
      w.res.write(line)
      return
    }
    this.#drops.splice(drop, 1)
    this.#watchers.delete(w)
    w.res.write(line.slice(0, Math.floor(line.length / 2)), () => w.res.socket?.destroy())
  }
}

function keyOf(o: Obj): string {
  const m = meta(o)
  return typeof m.uid === 'string' ? m.uid : `${m.namespace}/${m.name}`
}

function json(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'Content-Type': 'application/json' })
  res.end(JSON.stringify(body))
}

/** Writes a kubeconfig for the fake (plain HTTP, a bearer token) and returns its path. */
export async function writeKubeconfig(dir: string, server: string, token = 'fake-token') {
  const path = join(dir, 'kubeconfig')
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'fake', cluster: { server, 'insecure-skip-tls-verify': true } }],
    users: [{ name: 'tester', user: { token } }],
    contexts: [{ name: 'fake', context: { cluster: 'fake', user: 'tester' } }],
    'current-context': 'fake',
  }
  await writeFile(path, JSON.stringify(config, null, 2))
  return path
}

/** The objects of a JSON-lines file (the real-data dumps). */
export async function readJsonLines(path: string): Promise<Obj[]> {
  const text = await readFile(path, 'utf8')
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Obj)
}

/** Polls `check` every 10 ms until it holds; throws naming `what` after `timeoutMs`. */
export async function waitFor(check: () => boolean, what: string, timeoutMs = 10_000) {
  const until = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}
