/**
 * `LUNETTES_API_AUTH=kubernetes`: who the caller is comes from a TokenReview
 * (authentication.k8s.io/v1), what they may read from SubjectAccessReviews
 * (authorization.k8s.io/v1) for `get pods`, per namespace. Decisions are cached for a short TTL
 * in bounded caches, so a busy UI does not turn into an API server load test.
 */

/** The user a TokenReview vouched for (its `status.user`). */
export interface KubeUser {
  readonly username: string
  readonly uid?: string | undefined
  readonly groups?: readonly string[] | undefined
  readonly extra?: Readonly<Record<string, readonly string[]>> | undefined
}

/** JSON over HTTP to the API server; rejects on a non-2xx answer or no answer. */
export interface KubeTransport {
  post(path: string, body: unknown): Promise<unknown>
  get(path: string): Promise<unknown>
}

/** Options of `KubeAuthorizer`. */
export interface KubeAuthorizerOptions {
  readonly transport: KubeTransport
  /** Wall clock, epoch ms (default `Date.now`). */
  readonly now?: (() => number) | undefined
  /** How long a decision is reused, ms (default 30 s). */
  readonly ttlMs?: number | undefined
  /** Largest number of cached entries per cache (default 1000). */
  readonly maxEntries?: number | undefined
  /** SubjectAccessReviews in flight at once when listing a user's namespaces (default 8). */
  readonly concurrency?: number | undefined
  /** `spec.audiences` of the TokenReview; absent: the API server's own. */
  readonly audiences?: readonly string[] | undefined
}

/** Namespaces listed at most, and items per page. */
const MAX_NAMESPACES = 10_000
const PAGE = 500

/** A TTL cache of promises bounded by entry count (oldest first out); failures are not kept. */
class TtlCache<V> {
  readonly #entries = new Map<string, { at: number; value: Promise<V> }>()
  readonly #ttlMs: number
  readonly #max: number
  readonly #now: () => number

  constructor(ttlMs: number, max: number, now: () => number) {
    this.#ttlMs = ttlMs
    this.#max = max
    this.#now = now
  }

  get(key: string, load: () => Promise<V>): Promise<V> {
    const hit = this.#entries.get(key)
    const now = this.#now()
    if (hit && now - hit.at < this.#ttlMs) return hit.value
    this.#entries.delete(key)
    const value = load()
    this.#entries.set(key, { at: now, value })
    while (this.#entries.size > this.#max) {
      const oldest = this.#entries.keys().next().value
      if (oldest === undefined) break
      this.#entries.delete(oldest)
    }
    value.catch(() => {
      if (this.#entries.get(key)?.value === value) this.#entries.delete(key)
    })
    return value
  }

  get size(): number {
    return this.#entries.size
  }
}

const encoder = new TextEncoder()

async function digestHex(text: string): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(text)))
  return Array.from(d, (b) => b.toString(16).padStart(2, '0')).join('')
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {}
}

function strings(value: unknown): string[] | undefined {
  return Array.isArray(value) ? value.filter((s): s is string => typeof s === 'string') : undefined
}

/** Reads a TokenReview reply: the user when `status.authenticated`, else null. */
export function readTokenReview(reply: unknown): KubeUser | null {
  const status = record(record(reply).status)
  const user = record(status.user)
  if (status.authenticated !== true || typeof user.username !== 'string' || !user.username) {
    return null
  }
  const extra: Record<string, string[]> = {}
  for (const [k, v] of Object.entries(record(user.extra))) extra[k] = strings(v) ?? []
  return {
    username: user.username,
    ...(typeof user.uid === 'string' ? { uid: user.uid } : {}),
    ...(strings(user.groups) ? { groups: strings(user.groups) } : {}),
    ...(Object.keys(extra).length > 0 ? { extra } : {}),
  }
}

/** Runs `fn` over `items` with at most `limit` in flight; results in order. */
async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (t: T) => Promise<R>) {
  const out: R[] = new Array(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const i = next++
      out[i] = await fn(items[i] as T)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return out
}

/** Authenticates bearer tokens and scopes what a user may read, through the API server. */
export class KubeAuthorizer {
  readonly #transport: KubeTransport
  readonly #concurrency: number
  readonly #audiences: readonly string[] | undefined
  readonly #users: TtlCache<KubeUser | null>
  readonly #access: TtlCache<boolean>
  readonly #scopes: TtlCache<readonly string[] | null>
  readonly #namespaces: TtlCache<string[]>

  constructor(opts: KubeAuthorizerOptions) {
    const ttl = opts.ttlMs ?? 30_000
    const max = opts.maxEntries ?? 1000
    const now = opts.now ?? Date.now
    this.#transport = opts.transport
    this.#concurrency = opts.concurrency ?? 8
    this.#audiences = opts.audiences
    this.#users = new TtlCache(ttl, max, now)
    this.#access = new TtlCache(ttl, max * 16, now)
    this.#scopes = new TtlCache(ttl, max, now)
    this.#namespaces = new TtlCache(ttl, 1, now)
  }

  /** The user behind `token`, or null when the API server does not vouch for it. */
  async authenticate(token: string): Promise<KubeUser | null> {
    return this.#users.get(await digestHex(token), async () =>
      readTokenReview(
        await this.#transport.post('/apis/authentication.k8s.io/v1/tokenreviews', {
          apiVersion: 'authentication.k8s.io/v1',
          kind: 'TokenReview',
          spec: { token, ...(this.#audiences ? { audiences: this.#audiences } : {}) },
        }),
      ),
    )
  }

  /** Whether `user` may `get pods` in `namespace` (`''`: in every namespace). */
  canGetPods(user: KubeUser, namespace: string): Promise<boolean> {
    return this.#access.get(`${userKey(user)}\n${namespace}`, async () => {
      const reply = await this.#transport.post(
        '/apis/authorization.k8s.io/v1/subjectaccessreviews',
        {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SubjectAccessReview',
          spec: {
            resourceAttributes: {
              ...(namespace ? { namespace } : {}),
              verb: 'get',
              resource: 'pods',
            },
            user: user.username,
            ...(user.uid ? { uid: user.uid } : {}),
            ...(user.groups ? { groups: user.groups } : {}),
            ...(user.extra ? { extra: user.extra } : {}),
          },
        },
      )
      return record(record(reply).status).allowed === true
    })
  }

  /**
   * The namespaces where `user` may `get pods`: null when allowed cluster-wide (no filter),
   * else the allowed subset of the cluster's namespaces (possibly empty).
   */
  allowedNamespaces(user: KubeUser): Promise<readonly string[] | null> {
    return this.#scopes.get(userKey(user), async () => {
      if (await this.canGetPods(user, '')) return null
      const all = await this.namespaces()
      const allowed = await mapLimited(all, this.#concurrency, (ns) => this.canGetPods(user, ns))
      return all.filter((_, i) => allowed[i])
    })
  }

  /** The cluster's namespace names (listed with the gateway's own credentials), cached. */
  namespaces(): Promise<string[]> {
    return this.#namespaces.get('', async () => {
      const names: string[] = []
      let cont = ''
      do {
        const q = `?limit=${PAGE}${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`
        const list = record(await this.#transport.get(`/api/v1/namespaces${q}`))
        for (const item of Array.isArray(list.items) ? list.items : []) {
          const name = record(record(item).metadata).name
          if (typeof name === 'string' && name) names.push(name)
        }
        const next = record(list.metadata).continue
        cont = typeof next === 'string' ? next : ''
      } while (cont && names.length < MAX_NAMESPACES)
      return names.slice(0, MAX_NAMESPACES)
    })
  }
}

function userKey(user: KubeUser): string {
  return JSON.stringify([user.username, user.uid ?? '', user.groups ?? [], user.extra ?? {}])
}
