import {
  DeliverPolicy,
  JetStreamApiCodes,
  type JetStreamClient,
  type OrderedConsumerOptions,
} from '@nats-io/jetstream'
import { BusUnavailableError, type Subscription, type TailMessage, type TailStart } from './bus.ts'
import { hasApiCode, unavailable } from './nats-errors.ts'

function options(subject: string, start: TailStart): Partial<OrderedConsumerOptions> {
  // One subject as a string: nats.js sends it as `filter_subject`, which servers before 2.10 take.
  const base = { filter_subjects: subject }
  if (start === 'new') return { ...base, deliver_policy: DeliverPolicy.New }
  if ('afterSeq' in start) {
    return {
      ...base,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: start.afterSeq + 1,
    }
  }
  return {
    ...base,
    deliver_policy: DeliverPolicy.StartTime,
    opt_start_time: new Date(start.sinceMs).toISOString(),
  }
}

/**
 * Reads a JetStream stream with an ordered ephemeral consumer (no state on the server beyond the
 * reader's life; nats.js recreates it after a gap or a reconnect, resuming after the last
 * sequence delivered). Each message is delivered once, in sequence order.
 */
export async function natsTail(
  js: JetStreamClient,
  stream: string,
  subject: string,
  start: TailStart,
  onMessage: (m: TailMessage) => void,
  warn?: (o: object, m: string) => void,
): Promise<Subscription> {
  let messages: Awaited<
    ReturnType<Awaited<ReturnType<JetStreamClient['consumers']['get']>>['consume']>
  >
  try {
    const consumer = await js.consumers.get(stream, options(subject, start))
    messages = await consumer.consume()
  } catch (err: unknown) {
    if (hasApiCode(err, JetStreamApiCodes.StreamNotFound)) {
      throw new BusUnavailableError(`stream ${stream} not found`, { cause: err })
    }
    throw unavailable(`tail ${stream}`, err)
  }
  const loop = (async () => {
    for await (const m of messages) {
      try {
        onMessage({ seq: m.seq, subject: m.subject, data: m.data })
      } catch (err: unknown) {
        warn?.({ err, stream, seq: m.seq }, 'stream tail handler failed')
      }
    }
  })().catch((err: unknown) => warn?.({ err, stream }, 'stream tail ended'))
  let closing: Promise<void> | undefined
  return {
    close: () => {
      closing ??= (async () => {
        await messages.close().catch(() => undefined)
        await loop
      })()
      return closing
    },
  }
}
