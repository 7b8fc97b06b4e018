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

/**
 * Purges the stream up to the lowest ack floor of `durables` (each consumer filters its own
 * partition subject, so every message up to that floor is acknowledged by whoever it belongs to);
 * purges nothing while a consumer is missing (its messages may not have been read at all). No
 * subject filter: on nats-server 2.9 a by-subject purge moves that subject's consumer to the
 * first message left on it, and during partition take-overs after a server restart that left
 * consumers with a message neither pending nor acknowledged (never delivered again). A purge
 * below every ack floor changes no consumer's state.
 */
export async function natsPurgeAckedByAll(
  jsm: JetStreamManager,
  stream: string,
  durables: readonly string[],
): Promise<number> {
  let floor = Number.POSITIVE_INFINITY
  try {
    for (const d of durables) {
      floor = Math.min(floor, (await jsm.consumers.info(stream, d)).ack_floor.stream_seq)
    }
    if (!(floor > 0 && Number.isFinite(floor))) return 0
    return (await jsm.streams.purge(stream, { seq: floor + 1 })).purged
  } catch (err: unknown) {
    if (hasApiCode(err, JetStreamApiCodes.StreamNotFound, JetStreamApiCodes.ConsumerNotFound)) {
      return 0
    }
    throw err
  }
}
