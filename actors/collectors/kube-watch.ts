import type { KubeConfig } from '@kubernetes/client-node'
import type { Bus } from '../runtime/bus/bus.ts'
import { type BackoffOptions, resolveBackoff } from './kube-backoff.ts'
import { KubeHttp } from './kube-http.ts'
import { ListWatchLoop, type ListWatchStats } from './kube-list-watch.ts'
import { type KubeCollectorLog, SignalBatcher } from './kube-publisher.ts'
import type { WatchedKind } from './kube-resources.ts'

export type { BackoffOptions } from './kube-backoff.ts'
export type { KubeCollectorLog } from './kube-publisher.ts'

/** Options of {@link KubeWatchCollector}. */
export interface KubeWatchOptions {
  /**
   * Where the API server is and how to authenticate; loading it (`loadFromCluster`,
   * `loadFromFile`, `loadFromDefault`) is the caller's job.
   */
  readonly kubeConfig: KubeConfig
  readonly bus: Bus
  /** Signal partitions P (`lunettes.signals.<p>`). */
  readonly partitions: number
  /** Namespaces to watch, one list/watch each (default: all namespaces with one cluster-wide). */
  readonly namespaces?: readonly string[] | undefined
  /** Namespaces whose signals are dropped at normalisation (`IgnoredNamespaceForAudit`). */
  readonly ignoredNamespaces: ReadonlySet<string>
  /** Which Events API to follow (default `core`, i.e. core/v1). */
  readonly eventsApi?: 'core' | 'events.k8s.io'
  readonly log: KubeCollectorLog
  /** Wall clock, epoch ms: the receipt time of watched objects (default `Date.now`). */
  readonly now?: () => number
  /** Retry delays after failed requests, dropped watches and bus failures (500 ms … 30 s). */
  readonly backoff?: BackoffOptions
  /** Items per list page (default 500). */
  readonly pageSize?: number
  /** Signals per bus publish (default 500). */
  readonly batchSignals?: number
  /** Longest wait before publishing a partial batch, ms (default 50). */
  readonly batchDelayMs?: number
  /** Shortest server-side watch timeout, s (default 300; each watch draws up to twice it). */
  readonly watchTimeoutSeconds?: number
  /** Timeout of one list page request, ms (default 60 000). */
  readonly requestTimeoutMs?: number
}

/** One loop's counters and the resourceVersion its next watch starts from. */
export interface LoopStats extends ListWatchStats {
  readonly resourceVersion: string | undefined
}

/** Counters of a collector: per followed collection path, and of the publisher. */
export interface KubeWatchStats {
  readonly loops: Readonly<Record<string, Readonly<LoopStats>>>
  /** Signals published on the bus. */
  readonly published: number
  /** Failed publishes that were retried. */
  readonly publishRetries: number
  /** Signals the bus would not take before stop. */
  readonly lost: number
}

/**
 * The watch collector (`lunettes collect --kube`): list then watch Pods and Events across all
 * namespaces or a configured set, turn every object into pod signals with the `protocol/`
 * normalisers (a listed object as its final state, the way replay reads a dump; a watched one at
 * its receipt time) and publish them on `lunettes.signals.<p>` in batches. One
 * {@link ListWatchLoop} per kind and namespace does the list/watch protocol (resume from the last
 * resourceVersion, re-list on 410 Gone, backoff with jitter); they share one
 * {@link SignalBatcher}, so a slow bus slows the reading down instead of filling memory.
 * Run one active collector at a time (see `CollectorLease`); signal ids make the overlap of a
 * re-list, a reconnect or a takeover harmless.
 */
export class KubeWatchCollector {
  readonly #o: KubeWatchOptions
  readonly #http: KubeHttp
  #abort: AbortController | undefined
  #batcher: SignalBatcher | undefined
  #loops: ListWatchLoop[] = []
  #running: Promise<void> | undefined
  #markSynced: (() => void) | undefined
  #synced = new Promise<void>((resolve) => {
    this.#markSynced = resolve
  })

  constructor(opts: KubeWatchOptions) {
    if (!Number.isInteger(opts.partitions) || opts.partitions < 1) {
      throw new RangeError(`partitions must be a positive integer, got ${opts.partitions}`)
    }
    if (opts.namespaces?.length === 0) {
      throw new RangeError('namespaces: give at least one, or leave it out for all namespaces')
    }
    this.#o = opts
    this.#http = new KubeHttp(opts.kubeConfig, opts.requestTimeoutMs)
  }

  /**
   * Starts the loops and returns at once (they run until {@link stop}). Throws when already
   * running or when the kubeconfig names no cluster.
   */
  async start(): Promise<void> {
    if (this.#running !== undefined) throw new Error('kube watch collector already started')
    const server = this.#http.server()
    try {
      await this.#o.kubeConfig.applyToHTTPSOptions({})
    } catch (err: unknown) {
      throw new Error(`kubeconfig unusable for ${server}: ${String(err)}`, { cause: err })
    }
    // A restart (the lease came back) syncs again: a fresh promise once the last one resolved.
    const markSynced =
      this.#markSynced ??
      (() => {
        let resolve = () => {}
        this.#synced = new Promise<void>((r) => (resolve = r))
        return resolve
      })()
    this.#markSynced = undefined
    const o = this.#o
    const abort = new AbortController()
    const backoff = resolveBackoff(o.backoff)
    const batcher = new SignalBatcher({
      bus: o.bus,
      partitions: o.partitions,
      maxSignals: o.batchSignals ?? 500,
      maxDelayMs: o.batchDelayMs ?? 50,
      backoff,
      log: o.log,
      signal: abort.signal,
    })
    const kinds: WatchedKind[] = [
      'pods',
      o.eventsApi === 'events.k8s.io' ? 'events.k8s.io' : 'events',
    ]
    const scopes = o.namespaces ?? [undefined]
    const synced: Promise<void>[] = []
    this.#loops = kinds.flatMap((kind) =>
      scopes.map((namespace) => {
        let onSynced = () => {}
        synced.push(new Promise<void>((resolve) => (onSynced = resolve)))
        return new ListWatchLoop({
          http: this.#http,
          kind,
          namespace,
          ignoredNamespaces: o.ignoredNamespaces,
          pageSize: o.pageSize ?? 500,
          watchTimeoutSeconds: o.watchTimeoutSeconds ?? 300,
          backoff,
          sink: (signals) => batcher.add(signals),
          now: o.now ?? Date.now,
          log: o.log,
          signal: abort.signal,
          onSynced,
        })
      }),
    )
    this.#abort = abort
    this.#batcher = batcher
    Promise.all(synced)
      .then(() => batcher.flush())
      .then(markSynced, (err: unknown) => o.log.error({ err }, 'initial sync failed'))
    o.log.info({ server, paths: this.#loops.map((l) => l.path) }, 'kube watch collector started')
    this.#running = Promise.all(this.#loops.map((l) => l.run())).then(() => undefined)
  }

  /**
   * Resolves once every loop has listed once and those signals are published: the collector
   * has reconstructed the cluster's in-flight and recent pods (readiness). Pending until then.
   */
  whenSynced(): Promise<void> {
    return this.#synced
  }

  /** Stops the loops (open requests are aborted) and publishes what is still queued. */
  async stop(): Promise<void> {
    const running = this.#running
    if (running === undefined) return
    this.#abort?.abort()
    await running
    await this.#batcher?.flush()
    this.#running = undefined
    this.#o.log.info({ published: this.#batcher?.published ?? 0 }, 'kube watch collector stopped')
  }

  /** The counters (a snapshot). */
  stats(): KubeWatchStats {
    const loops: Record<string, LoopStats> = {}
    for (const l of this.#loops) loops[l.path] = { ...l.stats, resourceVersion: l.resourceVersion }
    return {
      loops,
      published: this.#batcher?.published ?? 0,
      publishRetries: this.#batcher?.retries ?? 0,
      lost: this.#batcher?.lost ?? 0,
    }
  }
}
