import type { Bus, KvBucket } from '../runtime/bus/bus.ts'
import { sleep } from './kube-backoff.ts'

/**
 * KV bucket of collector leases. Not the partition leases' `lunettes-leases`: a bucket's TTL is
 * the stream's `max_age`, one value for every key, and `Bus.kv` re-aligns it to whatever TTL
 * the last opener asked for, so collectors (15 s) and actor hosts (10 s) would keep resetting
 * each other's lease lifetime.
 */
export const COLLECTOR_LEASE_BUCKET = 'lunettes-collector-leases'

/** A pino-compatible logger. */
export interface CollectorLeaseLog {
  info(obj: object, msg: string): void
  warn(obj: object, msg: string): void
}

/** Options of {@link CollectorLease}. */
export interface CollectorLeaseOptions {
  /** Only its KV buckets are used. */
  readonly bus: Pick<Bus, 'kv'>
  /** Collector name: the lease key is `collector.<name>` (e.g. `collector.kube`). */
  readonly name: string
  /** This process (hostname, pod name): stored as the lease value. */
  readonly holder: string
  /** Lease lifetime without renewal, ms (default 15 000). */
  readonly ttlMs?: number
  /** Renewal interval, ms (default ttl/3). */
  readonly renewMs?: number
  /** How often a standby tries to take the lease, ms (default ttl/3). */
  readonly pollMs?: number
  readonly bucket?: string
  /** Clock for the renewal deadline, epoch ms (default `Date.now`). */
  readonly now?: () => number
  readonly log: CollectorLeaseLog
  /** Called when a held lease is lost (taken over, expired, or not renewable in time). */
  readonly onLost?: () => void
}

/** What {@link CollectorLease.lead} starts and stops. */
export interface LeadTask {
  start(): Promise<void>
  stop(): Promise<void>
}

const enc = new TextEncoder()
const dec = new TextDecoder()

/**
 * Makes one collector of a kind active at a time: the active one holds the key
 * `collector.<name>` in a KV bucket whose entries expire after the TTL, renewing it every
 * TTL/3 with a revision-checked update; standbys poll with create-if-absent and win once the key
 * is released or expires. A renewal that loses (someone else's revision) or cannot reach the bus
 * before the TTL has passed counts as lost: the holder must stop at once (`onLost`), since a
 * standby may already be active.
 */
export class CollectorLease {
  readonly #o: Required<Omit<CollectorLeaseOptions, 'onLost'>>
  readonly #onLost: (() => void) | undefined
  readonly #key: string
  #kv: KvBucket | undefined
  #revision: number | undefined
  #renewedAt = 0
  #timer: NodeJS.Timeout | undefined
  /** A renewal is in flight: the next tick skips, or its stale revision would lose. */
  #renewing = false
  #endTerm: () => void = () => {}
  #term: Promise<void> = Promise.resolve()

  constructor(opts: CollectorLeaseOptions) {
    const ttlMs = Math.max(30, opts.ttlMs ?? 15_000)
    const third = Math.max(10, Math.floor(ttlMs / 3))
    this.#o = {
      bus: opts.bus,
      name: opts.name,
      holder: opts.holder,
      ttlMs,
      renewMs: opts.renewMs ?? third,
      pollMs: opts.pollMs ?? third,
      bucket: opts.bucket ?? COLLECTOR_LEASE_BUCKET,
      now: opts.now ?? Date.now,
      log: opts.log,
    }
    this.#onLost = opts.onLost
    this.#key = `collector.${opts.name}`
  }

  /** True while this process holds the lease. */
  get held(): boolean {
    return this.#revision !== undefined
  }

  /** Who holds the lease now, if anyone. */
  async holder(): Promise<string | null> {
    const entry = await (await this.#bucket()).get(this.#key)
    return entry ? dec.decode(entry.value) : null
  }

  /**
   * Waits (standby) until this process holds the lease, polling every `pollMs`; true once held,
   * false if `signal` aborted first. Bus failures while waiting are logged and retried.
   */
  async acquire(signal?: AbortSignal): Promise<boolean> {
    if (this.held) return true
    const never = new AbortController().signal
    let standbyLogged = false
    while (!signal?.aborted) {
      try {
        const kv = await this.#bucket()
        const revision = await kv.create(this.#key, enc.encode(this.#o.holder))
        if (revision !== null) {
          this.#won(revision)
          return true
        }
        if (!standbyLogged) {
          standbyLogged = true
          const by = await this.holder().catch(() => null)
          this.#o.log.info({ key: this.#key, heldBy: by }, 'standby: lease held elsewhere')
        }
      } catch (err: unknown) {
        this.#o.log.warn({ err, key: this.#key }, 'lease acquire failed; retrying')
      }
      await sleep(this.#o.pollMs, signal ?? never)
    }
    return false
  }

  /** Resolves when the current term ends (lost or released); at once when not held. */
  ended(): Promise<void> {
    return this.#term
  }

  /** Gives the lease back so a standby takes over at once. */
  async release(): Promise<void> {
    const revision = this.#revision
    if (revision === undefined) return
    this.#end()
    try {
      await (await this.#bucket()).delete(this.#key, revision)
      this.#o.log.info({ key: this.#key }, 'lease released')
    } catch (err: unknown) {
      this.#o.log.warn({ err, key: this.#key }, 'lease release failed; it expires by itself')
    }
  }

  /**
   * Runs `task` whenever this process holds the lease: acquire (standby until then), start, and
   * when the lease is lost stop it and go back to standby; on `signal` stop and release.
   */
  async lead(task: LeadTask, signal: AbortSignal): Promise<void> {
    while (await this.acquire(signal)) {
      await task.start()
      const aborted = new Promise<void>((resolve) => {
        if (signal.aborted) resolve()
        else signal.addEventListener('abort', () => resolve(), { once: true })
      })
      await Promise.race([this.ended(), aborted])
      await task.stop()
      if (signal.aborted) {
        await this.release()
        return
      }
    }
  }

  async #bucket(): Promise<KvBucket> {
    this.#kv ??= await this.#o.bus.kv(this.#o.bucket, this.#o.ttlMs)
    return this.#kv
  }

  #won(revision: number): void {
    this.#revision = revision
    this.#renewedAt = this.#o.now()
    this.#term = new Promise<void>((resolve) => {
      this.#endTerm = resolve
    })
    this.#timer = setInterval(() => {
      if (this.#renewing) return
      this.#renewing = true
      this.#renew()
        .catch((err: unknown) => this.#o.log.warn({ err }, 'lease renewal failed'))
        .finally(() => {
          this.#renewing = false
        })
    }, this.#o.renewMs)
    this.#o.log.info({ key: this.#key, holder: this.#o.holder }, 'lease acquired: active')
  }

  async #renew(): Promise<void> {
    const revision = this.#revision
    if (revision === undefined) return
    let next: number | null
    try {
      next = await (await this.#bucket()).update(this.#key, enc.encode(this.#o.holder), revision)
    } catch (err: unknown) {
      if (this.#o.now() - this.#renewedAt < this.#o.ttlMs) {
        this.#o.log.warn({ err, key: this.#key }, 'lease renewal failed; retrying')
        return
      }
      next = null
    }
    if (this.#revision !== revision) return
    if (next === null) {
      this.#end()
      this.#o.log.warn({ key: this.#key }, 'lease lost: stopping')
      this.#onLost?.()
      return
    }
    this.#revision = next
    this.#renewedAt = this.#o.now()
  }

  #end(): void {
    clearInterval(this.#timer)
    this.#timer = undefined
    this.#revision = undefined
    this.#endTerm()
  }
}
