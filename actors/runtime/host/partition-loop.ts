import { type PartitionMessage, replayDoneSubject } from '../../../protocol/envelope.ts'
import type { ActorMetrics } from '../../telemetry/metrics.ts'
import type { Bus, BusMessage, Consumer } from '../bus/bus.ts'
import { deadLetterMessage } from '../bus/deadletter-stream.ts'
import type { SignalChannel } from '../channel.ts'
import { decodeDelivery } from './decode-delivery.ts'
import {
  classifyFailure,
  type DeadLetterReason,
  errorText,
  TerminalInputError,
} from './failures.ts'
import { countBatch, type Log } from './host-messages.ts'
import { type Delivery, type Item, observeLatency, settleItem } from './loop-items.ts'
import type { PartitionWorker } from './partition-worker.ts'
import type { BatchResult } from './partition-worker-types.ts'
import type { OutboxItem } from './worker-batch.ts'

/** Delay before messages past a replay sequence gap come again. */
const GAP_RETRY_MS = 200

const enc = new TextEncoder()

export interface PartitionLoopOptions {
  partition: number
  bus: Bus
  consumer: Consumer
  channel: SignalChannel
  mode: 'live' | 'replay'
  batchSize: number
  /** A message delivered this often is dead-lettered instead of processed again. */
  maxDeliver: number
  metrics: ActorMetrics | undefined
  log: Log
  /** Wall clock, epoch µs. */
  now: () => number
  /** Whether the host still runs. */
  running: () => boolean
  /** A fresh worker for the partition (its memory starts from the store). */
  newWorker: () => PartitionWorker
  /** Publishes an outbox and tells the worker once it is out. */
  publish: (worker: PartitionWorker, outbox: readonly OutboxItem[]) => Promise<void>
}

/**
 * One owned partition's consume loop: fetch, fold and persist through the worker, acknowledge,
 * publish effects. A batch that fails because of one input is not retried as a whole: the input
 * is isolated (alarms first, then the messages by bisection, each half on a worker rebuilt from
 * the store), dead-lettered and acknowledged, and the rest of the batch is persisted. Store and
 * bus failures hand the batch back and end the loop for the host to restart.
 */
export class PartitionLoop {
  stop = false
  /** A batch was persisted since the loop started. */
  progressed = false
  /**
   * Signals per fetched message, as recently seen (a webhook `batch` message holds many): a
   * fetch asks for about `batchSize` signals' worth of messages, so a backlog of big batch
   * messages is not taken at once and left to outlast its ack wait. Starts cautious.
   */
  #perMessage = 16
  #worker: PartitionWorker
  readonly #o: PartitionLoopOptions

  constructor(o: PartitionLoopOptions, worker: PartitionWorker) {
    this.#o = o
    this.#worker = worker
  }

  get worker(): PartitionWorker {
    return this.#worker
  }

  async run(): Promise<void> {
    const { consumer, metrics: m, partition: p } = this.#o
    let lagAt = 0
    while (!this.stop && this.#o.running()) {
      const next = this.#worker.nextAlarm()
      const wait = next === null || this.#o.mode === 'replay' ? 1000 : (next - this.#o.now()) / 1000
      const want = Math.max(1, Math.floor(this.#o.batchSize / this.#perMessage))
      const msgs = await consumer.fetch(want, Math.max(20, Math.min(1000, wait)))
      if (this.stop) break
      const items = await this.#admit(msgs)
      if (msgs.length > 0) {
        this.#perMessage = Math.max(1, (this.#perMessage + items.length / msgs.length) / 2)
      }
      const started = performance.now()
      try {
        await this.#settle(items, msgs.length < want)
      } catch (err: unknown) {
        // Nothing after the failure is durable: hand it back at once so it comes again first.
        for (const item of items) settleItem(item, 0)
        throw err
      }
      this.progressed = true
      m?.storeSeconds.observe({ op: 'batch' }, (performance.now() - started) / 1000)
      if (m) {
        m.actorsLive.set({ partition: String(p) }, this.#worker.live)
        if (Date.now() - lagAt > 5000) {
          lagAt = Date.now()
          m.consumerLag.set({ partition: String(p) }, await consumer.pending())
        }
      }
    }
  }

  /**
   * Decodes a fetch into items (a `batch` message gives one per valid signal); invalid messages
   * and signals are dropped, messages delivered too often dead-lettered whole.
   */
  async #admit(msgs: readonly BusMessage[]): Promise<Item[]> {
    const items: Item[] = []
    for (const msg of msgs) {
      const tooOften = msg.deliveries >= this.#o.maxDeliver
      if (tooOften) {
        const why = `delivered ${msg.deliveries} times without being acknowledged`
        await this.#deadLetter({ msg, part: undefined }, 'max-deliver', why)
      }
      const content = decodeDelivery(msg, this.#o.log, this.#o.metrics)
      if (!content || content.messages.length === 0) {
        msg.ack()
        continue
      }
      const { messages, parts } = content
      const delivery: Delivery = { msg, left: messages.length, back: false, delayMs: 0 }
      for (const [i, decoded] of messages.entries()) {
        const part = parts?.[i]
        items.push({ msg, delivery, decoded, part, skip: tooOften, done: false })
      }
    }
    return items
  }

  /** Processes items in order; false when a replay `seq` gap handed the rest back. */
  async #settle(items: Item[], caughtUp: boolean): Promise<boolean> {
    let result: BatchResult
    const skip = new Set(items.flatMap((item, i) => (item.skip ? [i] : [])))
    try {
      result = await this.#worker.process(
        items.map((item) => item.decoded),
        caughtUp,
        { skip },
      )
    } catch (err: unknown) {
      if (classifyFailure(err) !== 'terminal') throw err
      return this.#isolate(items, caughtUp, err)
    }
    await this.#finish(result, items)
    return result.consumed === items.length
  }

  /** After a batch is durable: acknowledge, publish its effects, count it. */
  async #finish(result: BatchResult, items: readonly Item[]): Promise<void> {
    const { partition: p, log, metrics: m } = this.#o
    if (result.consumed < items.length) {
      const got = items[result.consumed]?.decoded.seq
      log.debug?.({ partition: p, want: this.#worker.nextSeq, got }, 'held back past a seq gap')
    }
    const nowMs = this.#o.now() / 1000
    for (const [i, item] of items.entries()) {
      if (i < result.consumed) {
        settleItem(item)
        observeLatency(m, item, nowMs)
      } else settleItem(item, GAP_RETRY_MS)
    }
    for (const c of result.corrupt) {
      m?.podStateCorrupt.inc({ reason: 'decode' })
      log.warn({ partition: p, uid: c.uid, error: c.error }, 'unreadable pod state moved aside')
    }
    await this.#o.publish(this.#worker, result.outbox)
    if (m) {
      const folded = items.flatMap((item) => (item.skip ? [] : [item.decoded]))
      countBatch(m, folded, result)
    }
    if (result.ended) {
      const done = { v: 1, run: result.ended.run ?? '', partition: p, pods: result.ended.pods }
      this.#o.bus.emit(replayDoneSubject(done.run), enc.encode(JSON.stringify(done)))
    }
  }

  /**
   * A terminal failure somewhere in `items` (or in the alarms the batch fired): find it, set it
   * aside, and persist the rest. Each attempt starts from a worker rebuilt from the store, since
   * the failed one's memory ran ahead of what was written.
   */
  async #isolate(items: Item[], caughtUp: boolean, err: unknown): Promise<boolean> {
    const fired = this.#worker.lastFired
    await this.#rebuild()
    if (fired.length > 0 && !(await this.#alarmsHold(fired))) {
      return this.#settle(items, caughtUp)
    }
    const live = items.filter((item) => !item.skip)
    const [only] = live
    if (!only) throw err
    if (live.length === 1) {
      const reason = err instanceof TerminalInputError ? err.reason : 'fold'
      await this.#deadLetter(only, reason, errorText(err))
      only.skip = true
      return this.#settle(items, caughtUp)
    }
    const mid = items.indexOf(live[Math.floor(live.length / 2)] ?? only)
    if (!(await this.#settle(items.slice(0, mid), false))) {
      for (const item of items.slice(mid)) settleItem(item, GAP_RETRY_MS)
      return false
    }
    return this.#settle(items.slice(mid), caughtUp)
  }

  /**
   * Fires only the alarms `uids` (those of the failed attempt). True when they hold (persisted);
   * false when some did not and were found by bisection and quarantined: the pod's stored state
   * is moved aside and its alarm disarmed.
   */
  async #alarmsHold(uids: readonly string[]): Promise<boolean> {
    if (this.#o.mode !== 'live') return true
    const wanted = new Set(uids)
    try {
      // They were due in the failed attempt, so they are due now: fire them whatever the backlog.
      const alarms = (uid: string) => wanted.has(uid)
      await this.#finish(await this.#worker.process([], true, { alarms }), [])
      return true
    } catch (err: unknown) {
      if (classifyFailure(err) !== 'terminal') throw err
    }
    await this.#rebuild()
    const [uid] = uids
    if (uids.length === 1 && uid !== undefined) {
      await this.#worker.quarantine(uid)
      this.#o.metrics?.podStateCorrupt.inc({ reason: 'alarm' })
      this.#o.log.warn(
        { partition: this.#o.partition, uid },
        'pod whose alarm cannot fold moved aside',
      )
      return false
    }
    const mid = Math.ceil(uids.length / 2)
    await this.#alarmsHold(uids.slice(0, mid))
    await this.#alarmsHold(uids.slice(mid))
    return false
  }

  /**
   * Writes the dead letter of a message, or of one signal of a batch message (its own envelope),
   * before it is acknowledged, and counts it.
   */
  async #deadLetter(
    item: Pick<Item, 'msg' | 'part'> & { decoded?: PartitionMessage },
    reason: DeadLetterReason,
    error: string,
  ): Promise<void> {
    const { partition, channel, log, metrics } = this.#o
    const { msg, part: index, decoded } = item
    const part =
      index === undefined || decoded === undefined
        ? undefined
        : { index, data: enc.encode(JSON.stringify(decoded)) }
    const info = { reason, error, partition, stream: channel.stream, at: new Date(), part }
    await this.#o.bus.publish([deadLetterMessage(msg, info)])
    metrics?.deadLettered.inc({ reason })
    const { subject, seq, deliveries } = msg
    log.info(
      { partition, subject, seq, part: index, deliveries, reason, error },
      'signal dead-lettered',
    )
  }

  /** Replaces the worker with one loaded from the store, and publishes what it left unpublished. */
  async #rebuild(): Promise<void> {
    this.#worker = this.#o.newWorker()
    await this.#o.publish(this.#worker, await this.#worker.recover())
  }
}
