import { setTimeout as sleep } from 'node:timers/promises'
import type { Decide } from '../../lifecycle/decide.ts'
import type { PodState } from '../../lifecycle/pod-state.ts'
import type { ActorMetrics } from '../../telemetry/metrics.ts'
import type { Bus, Consumer } from '../bus/bus.ts'
import { ensureDeadLetterStream } from '../bus/deadletter-stream.ts'
import { ensureChannel, LIVE_CHANNEL, type SignalChannel } from '../channel.ts'
import type { Store } from '../store/store.ts'
import { classifyFailure, deliveryLimits, retryBackoffMs } from './failures.ts'
import type { Log } from './host-messages.ts'
import { publishOutbox } from './outbox-publisher.ts'
import { LEASE_BUCKET, PartitionLeases } from './partition-lease.ts'
import { PartitionLoop } from './partition-loop.ts'
import { PartitionWorker } from './partition-worker.ts'
import { tuningOf, type WorkerTuning } from './partition-worker-types.ts'
import { createWatermarks, type SourceWatermarks, type WatermarkTuning } from './watermark-clock.ts'
import type { OutboxItem } from './worker-batch.ts'

export type { Log } from './host-messages.ts'

/** Options of an actor host; the worker tuning (cache, retention, alarms) applies per partition. */
export interface HostOptions extends WorkerTuning, WatermarkTuning {
  bus: Bus
  store: Store
  decide: Decide
  mode: 'live' | 'replay'
  /** Total partitions P (fixed at install). */
  partitions: number
  /** Partitions this host takes first (default: all). */
  preferred?: readonly number[]
  /** Also take over any other partition whose lease lapsed (default true). */
  standby?: boolean
  hostId: string
  leaseTtlMs?: number
  /** Unacked signals are redelivered after this; keep it below the lease TTL. */
  ackWaitMs?: number
  /**
   * Live: deliveries of one message before it is dead-lettered instead of processed again (the
   * consumers' `max_deliver`, with a growing ack wait between deliveries); default 20.
   */
  maxDeliver?: number
  batchSize?: number
  /** Stream, subjects, consumers and lease keys to use (default: the live channel). */
  channel?: SignalChannel
  /** Exports a finished lifecycle action as a trace (LIFECYCLE §7); absent: not exported. */
  exportTrace?: (state: PodState, action: 'PodCreate' | 'PodDelete') => Promise<void>
  metrics?: ActorMetrics
  log?: Log
  now?: () => number
}

const silent: Log = { info() {}, warn() {}, error() {} }
/** How long stopping a partition waits for its batch in hand. */
const STOP_WAIT_MS = 10_000

/**
 * An actor host: owns partitions through leases, runs one durable pull consumer and one
 * PartitionWorker per owned partition, persists each batch before acknowledging it, then
 * publishes its effects (alerts with their dedupe id as `Nats-Msg-Id`, traces).
 */
export class ActorHost {
  readonly #o: HostOptions &
    Required<Pick<HostOptions, 'leaseTtlMs' | 'ackWaitMs' | 'batchSize' | 'channel' | 'maxDeliver'>>
  readonly #log: Log
  readonly #loops = new Map<
    number,
    { loop: PartitionLoop; done: Promise<void>; consumer: Consumer }
  >()
  /** Per-partition source watermarks, kept across the partition's workers and loop restarts. */
  readonly #watermarks = new Map<number, SourceWatermarks>()
  /** Partitions whose last batch failed on a retryable error: how often, and when to retry. */
  readonly #retries = new Map<number, { n: number; at: number }>()
  #leases: PartitionLeases | null = null
  #timer: NodeJS.Timeout | null = null
  #running = false
  #rebalancing = false
  #ticks = 0
  /** When the last lease round completed (epoch ms). */
  #tickedAt: number | null = null

  constructor(opts: HostOptions) {
    this.#o = {
      leaseTtlMs: 10_000,
      ackWaitMs: 5_000,
      batchSize: 256,
      channel: LIVE_CHANNEL,
      maxDeliver: 20,
      ...opts,
    }
    this.#log = opts.log ?? silent
  }

  /** Partitions being consumed now. */
  owned(): number[] {
    return [...this.#loops.keys()].sort((a, b) => a - b)
  }

  /** Total actors in memory across owned partitions. */
  actorsLive(): number {
    let n = 0
    for (const l of this.#loops.values()) n += l.loop.worker.live
    return n
  }

  async start(): Promise<void> {
    const ch = this.#o.channel
    await ensureChannel(this.#o.bus, ch)
    await ensureDeadLetterStream(this.#o.bus)
    const kv = await this.#o.bus.kv(LEASE_BUCKET, this.#o.leaseTtlMs)
    this.#leases = new PartitionLeases(kv, {
      hostId: this.#o.hostId,
      ttlMs: this.#o.leaseTtlMs,
      keyOf: ch.leaseOf,
    })
    this.#running = true
    await this.#rebalance()
    this.#timer = setInterval(
      () => {
        this.#rebalance().catch((err: unknown) =>
          this.#log.error({ err }, 'lease rebalance failed'),
        )
      },
      Math.max(100, Math.floor(this.#o.leaseTtlMs / 3)),
    )
  }

  /** Graceful stop: no new fetches, finish the batch in hand, release the leases. */
  async stop(): Promise<void> {
    this.#running = false
    if (this.#timer) clearInterval(this.#timer)
    const parts = [...this.#loops.keys()]
    await Promise.all(parts.map((p) => this.#stopLoop(p)))
    for (const p of parts) {
      await this.#leases?.release(p)
      this.#count('released')
    }
  }

  /** Renews leases and takes free partitions; never twice at once (two loops on a partition). */
  async #rebalance(): Promise<void> {
    if (this.#rebalancing) return
    this.#rebalancing = true
    try {
      await this.#rebalanceOnce()
      this.#tickedAt = Date.now()
    } finally {
      this.#rebalancing = false
    }
  }

  /**
   * For probes: `ready` once started (streams ensured, first lease round done); `live` while lease
   * rounds keep completing (none for 3 lease TTLs: the host is wedged and should be restarted).
   */
  health(): { ready: boolean; live: boolean; lastLeaseRoundMs: number | null } {
    const at = this.#tickedAt
    const live = !this.#running || at === null || Date.now() - at < 3 * this.#o.leaseTtlMs
    return { ready: this.#running && at !== null, live, lastLeaseRoundMs: at }
  }

  async #rebalanceOnce(): Promise<void> {
    const leases = this.#leases
    if (!leases || !this.#running) return
    for (const p of await leases.renew()) {
      this.#log.warn({ partition: p }, 'partition lease lost')
      await this.#stopLoop(p)
      this.#count('lost')
    }
    const all = Array.from({ length: this.#o.partitions }, (_, i) => i)
    const preferred = this.#o.preferred ?? all
    // Standby take-overs wait one lease period, so hosts starting together keep their shares.
    this.#ticks++
    const standby = this.#o.standby !== false && this.#ticks > 3
    const others = standby ? all.filter((p) => !preferred.includes(p)) : []
    for (const p of [...preferred, ...others]) {
      if (!this.#running || this.#loops.has(p)) continue
      if ((this.#retries.get(p)?.at ?? 0) > Date.now()) continue
      if (!(await leases.acquire(p).catch(() => false))) continue
      await this.#startLoop(p).catch((err: unknown) => {
        this.#log.warn({ err, partition: p }, 'partition start failed; retrying next tick')
      })
    }
  }

  async #startLoop(p: number): Promise<void> {
    const o = this.#o
    const watermarks = this.#watermarks.get(p) ?? createWatermarks(o, o.metrics)
    this.#watermarks.set(p, watermarks)
    const newWorker = () =>
      new PartitionWorker({
        partition: p,
        store: o.store,
        decide: o.decide,
        mode: o.mode,
        ...(o.now ? { now: o.now } : {}),
        ...tuningOf(o),
        watermarks: watermarks.rollback(),
      })
    const worker = newWorker()
    const ch = o.channel
    const limits = deliveryLimits(o.mode, o.ackWaitMs, o.maxDeliver)
    const consumer = await o.bus.consumer({
      stream: ch.stream,
      durable: ch.durableOf(p),
      filterSubject: ch.subjectOf(p),
      ackWaitMs: o.ackWaitMs,
      ...limits.consumer,
    })
    await this.#publish(p, worker, await worker.recover()).catch(async (err: unknown) => {
      await consumer.close()
      throw err
    })
    const loop = new PartitionLoop(
      {
        partition: p,
        bus: o.bus,
        consumer,
        channel: ch,
        mode: o.mode,
        batchSize: o.batchSize,
        maxDeliver: limits.loopMaxDeliver,
        metrics: o.metrics,
        log: this.#log,
        now: () => this.#now(),
        running: () => this.#running,
        newWorker,
        publish: (w, outbox) => this.#publish(p, w, outbox),
      },
      worker,
    )
    const done = loop
      .run()
      .then(() => {
        this.#retries.delete(p)
      })
      .catch((err: unknown) => this.#failed(p, loop, err))
      .finally(() => consumer.close())
    this.#loops.set(p, { loop, done, consumer })
    this.#count('acquired')
    this.#log.debug?.({ partition: p, host: this.#o.hostId }, 'partition acquired')
  }

  /** A partition loop ended on an error: react by its kind (failures.ts), in this one place. */
  async #failed(p: number, loop: PartitionLoop, err: unknown): Promise<void> {
    this.#loops.delete(p)
    const kind = classifyFailure(err)
    if (kind === 'fenced') {
      // Another owner wrote the partition: our view is stale. Keep the lease; the next tick
      // restarts the loop from the store (or finds the lease gone).
      const message = err instanceof Error ? err.message : String(err)
      this.#log.warn({ partition: p, err: message }, 'partition fenced; restarting it')
      return this.#count('fenced')
    }
    if (kind === 'retryable') {
      // The store or the bus is away: keep the lease, restart from the store after a backoff.
      const n = loop.progressed ? 1 : (this.#retries.get(p)?.n ?? 0) + 1
      const waitMs = retryBackoffMs(n)
      this.#retries.set(p, { n, at: Date.now() + waitMs })
      this.#log.warn(
        { err, partition: p, waitMs },
        'partition batch failed to reach the store or bus; retrying',
      )
      return this.#count('retried')
    }
    this.#log.error({ err, partition: p }, 'partition loop failed; releasing it')
    this.#count('failed')
    return this.#leases?.release(p)
  }

  async #stopLoop(p: number): Promise<void> {
    const loop = this.#loops.get(p)
    if (!loop) return
    loop.loop.stop = true
    await loop.consumer.close()
    // A batch stuck on a dead server must not stall lease handling: it ends on its own.
    await Promise.race([loop.done, sleep(STOP_WAIT_MS, undefined, { ref: false })])
    this.#loops.delete(p)
    this.#log.debug?.({ partition: p, host: this.#o.hostId }, 'partition stopped')
  }

  /** Publishes an outbox; on failure it stays pending and goes out with the next batch. */
  async #publish(p: number, worker: PartitionWorker, outbox: readonly OutboxItem[]): Promise<void> {
    if (outbox.length === 0) return
    const o = this.#o
    const opts = { ...o, metrics: o.metrics, exportTrace: o.exportTrace, log: this.#log }
    if (await publishOutbox(opts, p, outbox)) await worker.outboxPublished()
  }

  #count(event: 'acquired' | 'lost' | 'released' | 'fenced' | 'retried' | 'failed'): void {
    this.#o.metrics?.partitionEvents.inc({ event })
    this.#o.metrics?.partitionsOwned.set(this.#loops.size)
  }

  #now(): number {
    return this.#o.now?.() ?? Date.now() * 1000
  }
}
