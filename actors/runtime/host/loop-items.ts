import type { PartitionMessage } from '../../../protocol/envelope.ts'
import type { ActorMetrics } from '../../telemetry/metrics.ts'
import type { BusMessage } from '../bus/bus.ts'
import { handBack } from './host-messages.ts'

/** A bus message of the batch in hand: acknowledged once every item of it is done. */
export interface Delivery {
  readonly msg: BusMessage
  /** Its items not yet done. */
  left: number
  /** An item was handed back (then the whole message is, after `delayMs`). */
  back: boolean
  delayMs: number
}

/** A partition message of the batch in hand: a bus message, or one signal of a `batch` message. */
export interface Item {
  readonly msg: BusMessage
  readonly delivery: Delivery
  readonly decoded: PartitionMessage
  /** Its index in a `batch` message (undefined: the message is this item alone). */
  readonly part: number | undefined
  /** Dead-lettered: consumed without being folded. */
  skip: boolean
  /** Acknowledged or handed back. */
  done: boolean
}

/** Marks an item done; its bus message is acknowledged (or handed back) with its last item. */
export function settleItem(item: Item, backDelayMs?: number): void {
  if (item.done) return
  item.done = true
  const d = item.delivery
  if (backDelayMs !== undefined) {
    d.back = true
    d.delayMs = Math.max(d.delayMs, backDelayMs)
  }
  if (--d.left > 0) return
  if (d.back) handBack(d.msg, d.delayMs)
  else d.msg.ack()
}

/** Accept-to-persisted time of a folded signal, once its batch is durable and acknowledged. */
export function observeLatency(m: ActorMetrics | undefined, item: Item, nowMs: number): void {
  const stored = item.msg.storedMs
  if (!m || stored === undefined || item.skip || item.decoded.kind !== 'signal') return
  m.pipelineLatency.observe(Math.max(0, nowMs - stored) / 1000)
}
