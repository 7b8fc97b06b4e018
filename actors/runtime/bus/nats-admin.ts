import {
  AckPolicy,
  type ConsumerConfig,
  DeliverPolicy,
  DiscardPolicy,
  JetStreamApiCodes,
  type JetStreamManager,
  RetentionPolicy,
  StorageType,
  type StreamConfig,
} from '@nats-io/jetstream'
import { nanos } from '@nats-io/transport-node'
import type { ConsumerSpec, StreamSpec } from './bus.ts'
import { hasApiCode } from './nats-errors.ts'

/** Unacked deliveries per consumer before the server holds new ones back (as the embedded bus). */
const MAX_ACK_PENDING = 1000

/**
 * Adds the stream (file storage, limits, discard old or new as the spec says), or updates it when
 * its limits changed. `replicas` is set on creation, and changed only when asked for explicitly
 * (a clustered server scales the stream; a single server refuses more than one).
 */
export async function ensureNatsStream(
  jsm: JetStreamManager,
  spec: StreamSpec,
  replicas?: number,
): Promise<void> {
  const { maxAgeMs, duplicateWindowMs } = spec
  const want = {
    subjects: [...spec.subjects],
    max_age: nanos(maxAgeMs),
    max_bytes: spec.maxBytes,
    max_msgs: spec.maxMessages ?? -1,
    discard: spec.discard === 'new' ? DiscardPolicy.New : DiscardPolicy.Old,
    // JetStream refuses a duplicate window longer than the max age.
    duplicate_window: nanos(
      maxAgeMs > 0 ? Math.min(duplicateWindowMs, maxAgeMs) : duplicateWindowMs,
    ),
    ...(replicas === undefined ? {} : { num_replicas: replicas }),
  } satisfies Partial<StreamConfig>
  let current: StreamConfig | undefined
  try {
    current = (await jsm.streams.info(spec.name)).config
  } catch (err: unknown) {
    if (!hasApiCode(err, JetStreamApiCodes.StreamNotFound)) throw err
  }
  if (!current) {
    await jsm.streams.add({
      name: spec.name,
      ...want,
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
    })
    return
  }
  const subjects = (list: readonly string[]) => [...list].sort().join(' ')
  const differs =
    subjects(current.subjects ?? []) !== subjects(want.subjects) ||
    current.max_age !== want.max_age ||
    current.max_bytes !== want.max_bytes ||
    (current.max_msgs ?? -1) !== want.max_msgs ||
    (current.discard ?? DiscardPolicy.Old) !== want.discard ||
    (replicas !== undefined && (current.num_replicas || 1) !== replicas) ||
    current.duplicate_window !== want.duplicate_window
  if (differs) await jsm.streams.update(spec.name, want)
}

/**
 * Adds the durable pull consumer (explicit ack, deliver all, one filter subject), or updates its
 * filter and ack wait when they changed; an existing durable keeps its position.
 */
export async function ensureNatsConsumer(jsm: JetStreamManager, spec: ConsumerSpec): Promise<void> {
  const { stream, durable } = spec
  const want = {
    filter_subject: spec.filterSubject,
    ack_wait: nanos(spec.ackWaitMs),
    max_ack_pending: MAX_ACK_PENDING,
    max_deliver: spec.maxDeliver ?? -1,
    ...(spec.backoffMs ? { backoff: spec.backoffMs.map(nanos) } : {}),
  } satisfies Partial<ConsumerConfig>
  let current: ConsumerConfig | undefined
  try {
    current = (await jsm.consumers.info(stream, durable)).config
  } catch (err: unknown) {
    if (!hasApiCode(err, JetStreamApiCodes.ConsumerNotFound)) throw err
  }
  if (!current) {
    await jsm.consumers.add(stream, {
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ...want,
    })
  } else if (
    current.filter_subject !== want.filter_subject ||
    current.ack_wait !== want.ack_wait ||
    current.max_ack_pending !== want.max_ack_pending ||
    current.max_deliver !== want.max_deliver ||
    String(current.backoff ?? []) !== String(want.backoff ?? [])
  ) {
    await jsm.consumers.update(stream, durable, want)
  }
}
