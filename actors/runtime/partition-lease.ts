import type { KvBucket } from './bus.ts'

/** KV bucket holding one lease per partition. */
export const LEASE_BUCKET = 'lunettes-leases'

const enc = new TextEncoder()
const dec = new TextDecoder()

/**
 * Partition leases in a KV bucket whose entries expire after the lease TTL: a host owns partition
 * p while it keeps renewing its key (`signals.<p>` live). Create-if-absent means two hosts never own the same
 * partition; when an owner dies its lease expires and a standby's next `acquire` succeeds.
 */
export class PartitionLeases {
  readonly #kv: KvBucket
  readonly #host: string
  readonly #held = new Map<number, number>()
  readonly #key: (p: number) => string

  constructor(kv: KvBucket, hostId: string, keyOf: (p: number) => string = (p) => `signals.${p}`) {
    this.#kv = kv
    this.#host = hostId
    this.#key = keyOf
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
    const rev = await this.#kv.create(this.#key(p), enc.encode(this.#host))
    if (rev === null) return false
    this.#held.set(p, rev)
    return true
  }

  /**
   * Renews every held lease (all at once: after a bus outage each renewal may wait its full
   * request timeout); returns the partitions whose lease was lost (taken or expired).
   */
  async renew(): Promise<number[]> {
    const held = [...this.#held.entries()]
    const next = await Promise.all(
      held.map(([p, rev]) =>
        this.#kv.update(this.#key(p), enc.encode(this.#host), rev).catch(() => null),
      ),
    )
    const lost: number[] = []
    held.forEach(([p], i) => {
      const rev = next[i] ?? null
      if (rev === null) {
        this.#held.delete(p)
        lost.push(p)
      } else {
        this.#held.set(p, rev)
      }
    })
    return lost
  }

  /** Gives a lease back so a standby can take it at once. */
  async release(p: number): Promise<void> {
    const rev = this.#held.get(p)
    if (rev === undefined) return
    this.#held.delete(p)
    await this.#kv.delete(this.#key(p), rev).catch(() => undefined)
  }
}
