import * as v from 'valibot'
import { PodSignal } from './pod-signal.ts'
import { partitionOf, signalSubject } from './subjects.ts'

/**
 * A signal as carried on `lunettes.signals.<p>`. In replay, `clock` is the global signal-clock
 * watermark when the driver published it (≥ the signal's own time), so every partition fires its
 * SLO alarms at the same point whatever the partition layout. Live collectors leave it out: the
 * actor host uses the wall clock.
 */
export const SignalEnvelope = v.object({
  v: v.literal(1),
  kind: v.literal('signal'),
  clock: v.optional(v.number()),
  /**
   * Replay only: the message's place in its partition (1, 2, …). Redeliveries after a crash or a
   * bus restart can arrive out of order; the host holds back anything past a gap until it is
   * filled, so the signal clock and alarms see exactly the published order.
   */
  seq: v.optional(v.number()),
  signal: PodSignal,
})
export type SignalEnvelope = v.InferOutput<typeof SignalEnvelope>

/**
 * A replay clock tick broadcast to every partition: advance the clock to `time` (epoch µs) and
 * fire due alarms; with `suspendBefore`, the input had an observation gap up to that time, so
 * alarms due before it are dropped unfired (each pod is judged on its next signal); with `end`,
 * the input is over: close every pod's SLOs (`incomplete`) and report `done`.
 */
export const ClockEnvelope = v.object({
  v: v.literal(1),
  kind: v.literal('clock'),
  time: v.number(),
  seq: v.optional(v.number()),
  suspendBefore: v.optional(v.number()),
  end: v.optional(v.boolean()),
  /** Replay run id: hosts answer on `lunettes.replay.done.<run>` once the end is processed. */
  run: v.optional(v.string()),
})
export type ClockEnvelope = v.InferOutput<typeof ClockEnvelope>

/** A source id: letters, digits and `._:@/-`, 1–64 characters (a bounded metric label). */
export const SOURCE_ID = /^[A-Za-z0-9._:@/-]{1,64}$/

/** Epoch µs of 9999-12-31T23:59:59Z: no record time is later. */
const MAX_EPOCH_US = 253_402_300_799_000_000
const EpochUs = v.pipe(v.number(), v.finite(), v.minValue(0), v.maxValue(MAX_EPOCH_US))

/**
 * Live only: a source's watermark on one partition. `source` (an API server posting to the
 * webhook, a collector instance) has delivered records up to `time` (epoch µs: the newest record
 * time of the batch this message follows, never later than `sentAt`) as of `sentAt` (the
 * publisher's wall clock, epoch µs). Published after the batch's signals, once per batch and
 * partition. A source whose `sentAt - time` exceeds the host's watermark grace is catching up: the
 * host then fires the partition's alarms on `time` less the grace instead of the wall clock.
 */
export const WatermarkEnvelope = v.object({
  v: v.literal(1),
  kind: v.literal('watermark'),
  /** Never set by publishers: there only so every partition message has the same shape. */
  seq: v.optional(v.number()),
  source: v.pipe(v.string(), v.regex(SOURCE_ID)),
  time: EpochUs,
  sentAt: EpochUs,
})
export type WatermarkEnvelope = v.InferOutput<typeof WatermarkEnvelope>

/** Anything on a signals partition. */
export const PartitionMessage = v.variant('kind', [
  SignalEnvelope,
  ClockEnvelope,
  WatermarkEnvelope,
])
export type PartitionMessage = v.InferOutput<typeof PartitionMessage>

/** Reply of a host that processed a replay's end marker for one partition. */
export const ReplayDone = v.object({
  v: v.literal(1),
  run: v.string(),
  partition: v.number(),
  pods: v.number(),
})
export type ReplayDone = v.InferOutput<typeof ReplayDone>

/** Subject replay hosts report partition completion on. */
export function replayDoneSubject(run: string): string {
  return `lunettes.replay.done.${run}`
}

const encoder = new TextEncoder()

/** Envelope texts already written for a signal (the gateway sizes each signal, then sends it). */
const envelopes = new WeakMap<PodSignal, string>()

/**
 * The JSON text of a live signal's envelope, as `signalMessages` sends it; remembered per signal
 * object (signals are not modified once normalised), so sizing a signal and sending it encode it
 * once.
 */
export function signalEnvelopeJson(signal: PodSignal): string {
  let json = envelopes.get(signal)
  if (json === undefined) {
    json = JSON.stringify({ v: 1, kind: 'signal', signal })
    envelopes.set(signal, json)
  }
  return json
}

/** A live signal ready for the bus: its partition subject, bytes, and dedupe id. */
export interface SignalMessage {
  readonly subject: string
  readonly data: Uint8Array
  readonly msgId: string
}

/**
 * Wraps live signals for `lunettes.signals.<p>`: partition by `namespace/name` (so a pod's
 * signals, with or without UID, meet in one actor host) and `Nats-Msg-Id` = the signal id (so a
 * re-sent webhook batch or a re-read file line is stored once).
 */
export function signalMessages(
  signals: readonly PodSignal[],
  partitions: number,
  subjectOf: (p: number) => string = signalSubject,
): SignalMessage[] {
  return signals.map((signal) => ({
    subject: subjectOf(partitionOf(signal.pod.namespace, signal.pod.name, partitions)),
    data: encoder.encode(signalEnvelopeJson(signal)),
    msgId: signal.id,
  }))
}
