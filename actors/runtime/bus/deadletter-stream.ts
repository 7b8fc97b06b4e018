import * as v from 'valibot'
import type { Bus, BusMessage, OutMessage } from './bus.ts'

/** The stream that keeps signals isolated from their batch (NATS and embedded bus alike). */
export const DEADLETTER_STREAM = 'LUNETTES_DEADLETTER'

/** Subject filter of every dead letter. */
export const DEADLETTER_WILDCARD = 'lunettes.deadletter.*'

/** Dead letters are kept this long (the original signals stream keeps a week). */
const DEADLETTER_MAX_AGE_MS = 30 * 86_400_000

/** And at most this much; the oldest go first. */
const DEADLETTER_MAX_BYTES = 1024 ** 3

/** Subject of the dead letters of partition `p`. */
export function deadLetterSubject(p: number): string {
  return `lunettes.deadletter.${p}`
}

/**
 * A dead letter: the original message and why it was isolated. The original is kept as parsed
 * JSON when it is JSON (`message`, so the dead letter is readable in `nats stream view` and not
 * inflated by escaping), else as base64 (`data`).
 */
export const DeadLetter = v.object({
  v: v.literal(1),
  reason: v.picklist(['fold', 'persist', 'max-deliver']),
  /** The error (its causes joined), bounded. */
  error: v.string(),
  /** How often the original had been delivered when it was isolated. */
  deliveries: v.number(),
  partition: v.number(),
  /** Where the original was: its stream, subject, sequence and dedupe id. */
  stream: v.string(),
  subject: v.string(),
  seq: v.number(),
  msgId: v.optional(v.string()),
  /**
   * For one signal of a batch message: its place in the batch (0, 1, …); `message` is then that
   * signal's own envelope, which can be published again on its own.
   */
  part: v.optional(v.number()),
  /** When it was dead-lettered (RFC 3339). */
  at: v.string(),
  message: v.optional(v.unknown()),
  data: v.optional(v.string()),
})
export type DeadLetter = v.InferOutput<typeof DeadLetter>

/** Creates (or updates) the dead-letter stream; idempotent. Called on the host start path. */
export async function ensureDeadLetterStream(bus: Bus): Promise<void> {
  await bus.ensureStream({
    name: DEADLETTER_STREAM,
    subjects: [DEADLETTER_WILDCARD],
    maxAgeMs: DEADLETTER_MAX_AGE_MS,
    maxBytes: DEADLETTER_MAX_BYTES,
    duplicateWindowMs: 120_000,
  })
}

const utf8 = new TextDecoder('utf-8', { fatal: true })
const enc = new TextEncoder()

/** The original message as a dead letter keeps it: parsed JSON, or base64 when it is not JSON. */
function original(data: Uint8Array): Pick<DeadLetter, 'message' | 'data'> {
  try {
    return { message: JSON.parse(utf8.decode(data)) as unknown }
  } catch {
    return { data: Buffer.from(data).toString('base64') }
  }
}

/** What a dead letter records besides the original message. */
export interface DeadLetterInfo {
  readonly reason: DeadLetter['reason']
  readonly error: string
  readonly partition: number
  readonly stream: string
  readonly at: Date
  /** One element of a batch message: its index and its own bytes (kept instead of the batch's). */
  readonly part?: { readonly index: number; readonly data: Uint8Array } | undefined
}

/**
 * The message that dead-letters `msg`. Its dedupe id names the original's stream sequence, so a
 * host that crashes between writing the dead letter and acknowledging the original writes it once.
 */
export function deadLetterMessage(msg: BusMessage, info: DeadLetterInfo): OutMessage {
  const letter: DeadLetter = {
    v: 1,
    reason: info.reason,
    error: info.error,
    deliveries: msg.deliveries,
    partition: info.partition,
    stream: info.stream,
    subject: msg.subject,
    seq: msg.seq,
    ...(msg.msgId === undefined ? {} : { msgId: msg.msgId }),
    ...(info.part ? { part: info.part.index } : {}),
    at: info.at.toISOString(),
    ...original(info.part?.data ?? msg.data),
  }
  return {
    subject: deadLetterSubject(info.partition),
    data: enc.encode(JSON.stringify(letter)),
    msgId: `dl:${info.stream}:${msg.seq}${info.part ? `:${info.part.index}` : ''}`,
  }
}

/** The original bytes a dead letter keeps, to publish again. */
export function originalBytes(letter: DeadLetter): Uint8Array {
  if (letter.data !== undefined) return new Uint8Array(Buffer.from(letter.data, 'base64'))
  return enc.encode(JSON.stringify(letter.message))
}
