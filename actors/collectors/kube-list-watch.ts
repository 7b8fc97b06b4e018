import type { Normalized, PodSignal } from '../../protocol/pod-signal.ts'
import { type Backoff, backoffDelay, sleep } from './kube-backoff.ts'
import { KubeApiError, type KubeHttp, readLines, readStatus } from './kube-http.ts'
import type { KubeCollectorLog } from './kube-publisher.ts'
import {
  collectionPath,
  KnownPods,
  listedSignals,
  metadataOf,
  resourceVersionOf,
  type WatchedKind,
  watchedSignals,
} from './kube-resources.ts'

/** Counters of one list/watch loop. */
export interface ListWatchStats {
  /** Complete lists, the first one included. */
  lists: number
  /** Lists after the first: after a 410 Gone. */
  relists: number
  /** Watch requests opened. */
  watches: number
  /** 410 Gone answers (HTTP status or watch `ERROR` event). */
  expired: number
  /** Failed requests and dropped watches (each followed by a backoff). */
  errors: number
  /** Objects received (list items and watch events). */
  objects: number
  signals: number
  /** Objects the normalisers rejected as malformed. */
  invalid: number
  /** Objects with no pod signal (not about a pod, ignored namespace, …). */
  dropped: number
  /** Pods found gone by a re-list (their DELETED event was missed). */
  reconciledDeletes: number
}

/** Options of {@link ListWatchLoop}. */
export interface ListWatchOptions {
  readonly http: KubeHttp
  readonly kind: WatchedKind
  /** One namespace, or `undefined` for all. */
  readonly namespace: string | undefined
  readonly ignoredNamespaces: ReadonlySet<string>
  /** Items per list page (`limit`). */
  readonly pageSize: number
  /** Server-side watch timeout, s (a fresh one is drawn between it and twice it per watch). */
  readonly watchTimeoutSeconds: number
  readonly backoff: Backoff
  /** Takes the signals (awaited: backpressure). */
  readonly sink: (signals: readonly PodSignal[]) => Promise<void>
  /** Wall clock, epoch ms. */
  readonly now: () => number
  readonly log: KubeCollectorLog
  readonly signal: AbortSignal
  /** Called once the first list has been handed to the sink. */
  readonly onSynced: () => void
}

type WatchEnd = 'expired' | 'ended' | 'empty'

/** At most this many malformed objects are logged one by one per loop. */
const INVALID_LOGS = 20

/**
 * One reflector: LIST (paginated with `limit`/`continue`), then WATCH from the list's
 * resourceVersion with bookmarks, remembering the newest resourceVersion seen (events and
 * bookmarks). A watch that ends is reopened from it at once; a dropped connection or a failed
 * request after an exponential backoff with jitter; 410 Gone (the HTTP status, an `ERROR` event
 * with code 410, or an expired continue token) starts a fresh list, whose pods are reconciled
 * against the ones known before (pods that vanished get a `deleted` signal).
 */
export class ListWatchLoop {
  readonly stats: ListWatchStats = {
    lists: 0,
    relists: 0,
    watches: 0,
    expired: 0,
    errors: 0,
    objects: 0,
    signals: 0,
    invalid: 0,
    dropped: 0,
    reconciledDeletes: 0,
  }
  readonly #o: ListWatchOptions
  readonly #path: string
  readonly #known: KnownPods | undefined
  #rv: string | undefined
  /** The current watch delivered something: a drop after that starts the backoff over. */
  #progressed = false
  /** Signals of the current page or event, handed to the sink together. */
  #pending: PodSignal[] = []

  constructor(opts: ListWatchOptions) {
    this.#o = opts
    this.#path = collectionPath(opts.kind, opts.namespace)
    this.#known = opts.kind === 'pods' ? new KnownPods() : undefined
  }

  /** The collection path this loop follows. */
  get path(): string {
    return this.#path
  }

  /** The newest resourceVersion seen (the next watch starts there), if any. */
  get resourceVersion(): string | undefined {
    return this.#rv
  }

  /** Runs until the signal aborts; never rejects. */
  async run(): Promise<void> {
    const { signal, log } = this.#o
    let failures = 0
    while (!signal.aborted) {
      this.#progressed = false
      try {
        if (this.#rv === undefined) {
          this.#rv = await this.#list()
          failures = 0
        }
        const end = await this.#watch(this.#rv)
        if (end === 'expired') {
          this.stats.expired++
          log.info(
            { path: this.#path, resourceVersion: this.#rv },
            'watch expired (410); re-listing',
          )
          this.#rv = undefined
        } else if (end === 'ended') {
          failures = 0
        } else {
          // Closed before sending anything: do not hammer a server that keeps doing that.
          failures++
          await sleep(backoffDelay(this.#o.backoff, failures), signal)
        }
      } catch (err: unknown) {
        if (signal.aborted) break
        if (this.#progressed) failures = 0
        failures++
        this.stats.errors++
        const delayMs = backoffDelay(this.#o.backoff, failures)
        const resourceVersion = this.#rv
        log.warn({ err, path: this.#path, resourceVersion, failures, delayMs }, 'list/watch failed')
        await sleep(delayMs, signal)
      }
    }
  }

  async #list(): Promise<string> {
    const { http, pageSize, signal } = this.#o
    const listed = new Set<string>()
    let cont: string | undefined
    let rv: string | undefined
    for (;;) {
      let page: unknown
      try {
        page = await http.getJson(this.#path, { limit: pageSize, continue: cont }, signal)
      } catch (err: unknown) {
        if (!(err instanceof KubeApiError && err.expired && cont !== undefined)) throw err
        // The continue token outlived the snapshot it paged through: start the list over.
        this.#o.log.info({ path: this.#path }, 'list continue token expired; listing again')
        listed.clear()
        cont = undefined
        continue
      }
      const items = isList(page) ? page.items : undefined
      if (!items) throw new KubeApiError(this.#path, 200, 'list response has no items array')
      for (const item of items) {
        this.stats.objects++
        this.#take(listedSignals(this.#o.kind, item, this.#o.ignoredNamespaces), item)
        if (this.#known) {
          this.#known.remember(item)
          const uid = metadataOf(item).uid
          if (typeof uid === 'string') listed.add(uid)
        }
      }
      await this.#flush()
      rv = resourceVersionOf(page) ?? rv
      const next = metadataOf(page).continue
      cont = typeof next === 'string' && next !== '' ? next : undefined
      if (cont === undefined) break
    }
    if (rv === undefined) throw new KubeApiError(this.#path, 200, 'list has no resourceVersion')
    const first = this.stats.lists === 0
    this.stats.lists++
    if (!first) {
      this.stats.relists++
      await this.#reconcile(listed)
    }
    this.#o.log.info({ path: this.#path, resourceVersion: rv, relist: !first }, 'listed')
    if (first) this.#o.onSynced()
    return rv
  }

  /** After a re-list: the pods known before that are not listed any more are gone. */
  async #reconcile(listed: ReadonlySet<string>): Promise<void> {
    const gone = this.#known?.replace(listed) ?? []
    const observedAt = Math.round(this.#o.now()) * 1000
    for (const pod of gone) {
      this.stats.reconciledDeletes++
      this.#take(watchedSignals('pods', 'DELETED', pod, observedAt, this.#o.ignoredNamespaces), pod)
    }
    if (gone.length > 0) {
      this.#o.log.info({ path: this.#path, pods: gone.length }, 'pods gone while not watching')
      await this.#flush()
    }
  }

  async #watch(rv: string): Promise<WatchEnd> {
    const { http, signal, watchTimeoutSeconds } = this.#o
    const timeoutSeconds = watchTimeoutSeconds + Math.floor(Math.random() * watchTimeoutSeconds)
    const query = { watch: true, resourceVersion: rv, allowWatchBookmarks: true, timeoutSeconds }
    this.stats.watches++
    let body: AsyncIterable<Buffer>
    try {
      body = await http.stream(this.#path, query, signal, (timeoutSeconds + 30) * 1000)
    } catch (err: unknown) {
      if (err instanceof KubeApiError && err.expired) return 'expired'
      throw err
    }
    let received = false
    for await (const line of readLines(body)) {
      received = true
      this.#progressed = true
      const event = parseEvent(line)
      if (!event) {
        this.#o.log.warn({ path: this.#path, line: line.slice(0, 200) }, 'watch line not an event')
        continue
      }
      const { type, object } = event
      if (type === 'ERROR') {
        const status = readStatus(object)
        if (status.code === 410 || status.reason === 'Expired' || status.reason === 'Gone') {
          return 'expired'
        }
        throw new KubeApiError(this.#path, status.code ?? 500, status.message, status.reason)
      }
      if (type === 'ADDED' || type === 'MODIFIED' || type === 'DELETED') {
        this.stats.objects++
        const observedAt = Math.round(this.#o.now()) * 1000
        const kind = this.#o.kind
        this.#take(
          watchedSignals(kind, type, object, observedAt, this.#o.ignoredNamespaces),
          object,
        )
        if (type === 'DELETED') this.#known?.forget(object)
        else this.#known?.remember(object)
        await this.#flush()
      } else if (type !== 'BOOKMARK') {
        this.#o.log.warn({ path: this.#path, type }, 'unknown watch event type')
      }
      this.#rv = resourceVersionOf(object) ?? this.#rv
    }
    return received ? 'ended' : 'empty'
  }

  #take(out: Normalized, object: unknown): void {
    if (out.ok) {
      this.stats.signals += out.signals.length
      this.#pending.push(...out.signals)
    } else if ('invalid' in out) {
      this.stats.invalid++
      if (this.stats.invalid <= INVALID_LOGS) {
        const meta = metadataOf(object)
        const name = typeof meta.name === 'string' ? meta.name : undefined
        this.#o.log.warn({ path: this.#path, name, reason: out.invalid }, 'malformed object')
      }
    } else {
      this.stats.dropped++
    }
  }

  async #flush(): Promise<void> {
    if (this.#pending.length === 0) return
    const signals = this.#pending
    this.#pending = []
    await this.#o.sink(signals)
  }
}

function isList(value: unknown): value is { items: unknown[] } {
  return typeof value === 'object' && value !== null && Array.isArray((value as Obj).items)
}

type Obj = Record<string, unknown>

function parseEvent(line: string): { type: string; object: unknown } | undefined {
  try {
    const value: unknown = JSON.parse(line)
    if (typeof value !== 'object' || value === null) return undefined
    const { type, object } = value as Obj
    return typeof type === 'string' ? { type, object } : undefined
  } catch {
    return undefined
  }
}
