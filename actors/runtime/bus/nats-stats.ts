import { JetStreamApiCodes, type JetStreamManager } from '@nats-io/jetstream'
import type { StreamUsage } from './bus.ts'
import { hasApiCode } from './nats-errors.ts'

/** The stream's bytes, messages and caps, or null when it does not exist. */
export async function natsStreamUsage(
  jsm: JetStreamManager,
  name: string,
): Promise<StreamUsage | null> {
  try {
    const { state, config } = await jsm.streams.info(name)
    return {
      bytes: state.bytes,
      messages: state.messages,
      maxBytes: config.max_bytes ?? -1,
      maxMessages: config.max_msgs ?? -1,
    }
  } catch (err: unknown) {
    if (hasApiCode(err, JetStreamApiCodes.StreamNotFound)) return null
    throw err
  }
}

/**
 * Purges the messages on `subject` the durable has acknowledged (stream sequence up to its ack
 * floor); returns how many went. A limits stream keeps acknowledged messages until their max age:
 * without this, a `discard: new` stream would refuse publishes once a week of processed signals
 * filled it. A missing stream or consumer purges nothing.
 */
export async function natsPurgeAcked(
  jsm: JetStreamManager,
  stream: string,
  durable: string,
  subject: string,
): Promise<number> {
  try {
    const floor = (await jsm.consumers.info(stream, durable)).ack_floor.stream_seq
    if (!(floor > 0)) return 0
    return (await jsm.streams.purge(stream, { filter: subject, seq: floor + 1 })).purged
  } catch (err: unknown) {
    if (hasApiCode(err, JetStreamApiCodes.StreamNotFound, JetStreamApiCodes.ConsumerNotFound)) {
      return 0
    }
    throw err
  }
}
