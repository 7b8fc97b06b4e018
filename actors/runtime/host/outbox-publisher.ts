import type { PodState } from '../../lifecycle/pod-state.ts'
import { decodeState } from '../../lifecycle/pod-state-codec.ts'
import type { ActorMetrics } from '../../telemetry/metrics.ts'
import type { Bus } from '../bus/bus.ts'
import type { SignalChannel } from '../channel.ts'
import type { Store } from '../store/store.ts'
import type { OutboxItem } from './worker-batch.ts'

export interface OutboxPublisherOptions {
  bus: Bus
  store: Store
  channel: SignalChannel
  exportTrace?: ((state: PodState, action: 'PodCreate' | 'PodDelete') => Promise<void>) | undefined
  metrics?: ActorMetrics | undefined
  log: { warn(obj: object, msg: string): void }
}

const enc = new TextEncoder()

/**
 * Publishes a batch's effects once its state is durable: alerts on the channel's alert subjects
 * with their dedupe id as `Nats-Msg-Id`, then traces. Resolves true when the alerts are stored
 * (the outbox can be cleared); false leaves it for the next batch. Trace export failures are
 * counted and logged, never retried or thrown: telemetry never breaks the pipeline.
 */
export async function publishOutbox(
  o: OutboxPublisherOptions,
  partition: number,
  outbox: readonly OutboxItem[],
): Promise<boolean> {
  const alerts = outbox.flatMap((item) => (item.kind === 'alert' ? [item.alert] : []))
  try {
    await o.bus.publish(
      alerts.map((a) => ({
        subject: o.channel.alertSubjectOf(a.namespace),
        data: enc.encode(JSON.stringify(a)),
        msgId: a.id,
      })),
    )
  } catch (err: unknown) {
    o.metrics?.exportFailures.inc({ effect: 'alert' })
    o.log.warn({ err, partition }, 'publishing alerts failed; will retry with the next batch')
    return false
  }
  for (const item of outbox) {
    if (item.kind !== 'trace' || !o.exportTrace) continue
    try {
      const json = await o.store.getState(item.uid)
      if (json) await o.exportTrace(decodeState(item.uid, json), item.action)
    } catch (err: unknown) {
      o.metrics?.exportFailures.inc({ effect: 'trace' })
      o.log.warn({ err, uid: item.uid }, 'trace export failed')
    }
  }
  return true
}
