import type { KvBucket } from '../bus/bus.ts'

/** KV bucket holding one lease per partition. */
export const LEASE_BUCKET = 'lunettes-leases'

const enc = new TextEncoder()
const dec = new TextDecoder()

export interface LeaseOptions {
  hostId: string
  /** The bucket's TTL: a key not rewritten for this long is gone. */
  ttlMs: number
  /** The lease key of partition p (default `signals.<p>`). */
  keyOf?: (p: number) => string
  /** Wall clock, epoch ms (tests inject one). */
  now?: () => number
}

/**
 * Partition leases in a KV bucket whose entries expire after the lease TTL: a host owns partition
 * p while it keeps renewing its key (`signals.<p>` live). Create-if-absent means two hosts never
 * hold the same key; when an owner dies its lease expires and a standby's next `acquire` succeeds.
 *
 * A renewal the bus could not answer (NATS restarting, a timeout) does not drop the lease while
 * the last confirmed write is younger than the TTL: the key may well still be ours, and dropping
 * every partition on each NATS blip would restart them all. If it did expire meanwhile and another
 * host took it, the partition fence in the store refuses our writes, and the next answered
 * renewal reports the loss.
 */
export class PartitionLeases {
  readonly #kv: KvBucket
  readonly #host: string
  readonly #ttlMs: number
  readonly #now: () => number
  /** Held partitions: the key's revision and when the write that produced it started. */
  readonly #held = new Map<number, { rev: number; confirmed: number }>()
  readonly #key: (p: number) => string

  constructor(kv: KvBucket, opts: LeaseOptions) {
    this.#kv = kv
    this.#host = opts.hostId
    this.#ttlMs = opts.ttlMs
    this.#now = opts.now ?? Date.now
    this.#key = opts.keyOf ?? ((p) => `signals.${p}`)
  }

  /** Partitions this host holds now. */
  held(): number[] {
    return [...this.#held.keys()].sort((a, b) => a - b)
  }

  /** Who holds a partition's lease, if anyone. */
  async owner(p: number): Promise<string | null> {
    const entry = await this.#kv.get(this.#key(p))
    return entry ? dec.decode(entry.value) : null
  }

  /** Takes the lease if nobody holds it; true when this host holds it afterwards. */
  async acquire(p: number): Promise<boolean> {
    if (this.#held.has(p)) return true
    const started = this.#now()
    const rev = await this.#kv.create(this.#key(p), enc.encode(this.#host))
    if (rev === null) return false
    this.#held.set(p, { rev, confirmed: started })
    return true
  }

  /**
   * Renews every held lease (all at once: after a bus outage each renewal may wait its full
   * request timeout); returns the partitions whose lease was lost: refused (taken or expired), or
   * unanswered for longer than the TTL.
   */
  async renew(): Promise<number[]> {
    const held = [...this.#held.entries()]
    const started = this.#now()
    const answers = await Promise.all(
      held.map(([p, { rev }]) =>
        this.#kv.update(this.#key(p), enc.encode(this.#host), rev).then(
          (next) => ({ next }),
          () => ({ next: undefined }),
        ),
      ),
    )
    const lost: number[] = []
    held.forEach(([p, lease], i) => {
      const next = answers[i]?.next
      if (typeof next === 'number') {
        this.#held.set(p, { rev: next, confirmed: started })
        return
      }
      // null: refused. undefined: no answer, lost only once the key must have expired.
      if (next === null || this.#now() - lease.confirmed >= this.#ttlMs) {
        this.#held.delete(p)
        lost.push(p)
      }
    })
    return lost
  }

  /** Gives a lease back so a standby can take it at once. */
  async release(p: number): Promise<void> {
    const lease = this.#held.get(p)
    if (lease === undefined) return
    this.#held.delete(p)
    await this.#kv.delete(this.#key(p), lease.rev).catch(() => undefined)
  }
}
