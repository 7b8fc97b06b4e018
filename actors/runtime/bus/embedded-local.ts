import type { BusMessage, OutMessage } from './bus.ts'

/**
 * The object an in-process publisher built a message's bytes from, carried next to them. Only the
 * embedded bus keeps it (stored with the message, attached to each delivery); a server bus sends
 * the bytes alone, so a reader must treat it as a hint: decode it with the same schema as the
 * bytes and fall back to the bytes when it does not pass. It lets one process skip the JSON
 * round trip of what it just built (replay), never the validation.
 */
export const LOCAL_VALUE: unique symbol = Symbol('lunettes.localValue')

/** How a `localMessage` makes its bytes (the embedded bus may store it unencoded). */
export const LOCAL_BYTES: unique symbol = Symbol('lunettes.localBytes')

/** A message that may carry its publisher's object (see `LOCAL_VALUE`). */
export interface WithLocalValue {
  readonly [LOCAL_VALUE]?: unknown
  readonly [LOCAL_BYTES]?: () => Uint8Array
}

const enc = new TextEncoder()

/**
 * A message whose bytes are the JSON of `value`, encoded the first time `data` is read: a server
 * bus reads it at once; the embedded bus keeps `value` and encodes only for a reader of the bytes
 * (a dead letter, a tail, a stream's byte count or cap).
 */
export function localMessage(
  subject: string,
  value: unknown,
  msgId?: string,
): OutMessage & WithLocalValue {
  let bytes: Uint8Array | undefined
  const encode = () => {
    bytes ??= enc.encode(JSON.stringify(value))
    return bytes
  }
  return {
    subject,
    ...(msgId === undefined ? {} : { msgId }),
    [LOCAL_VALUE]: value,
    [LOCAL_BYTES]: encode,
    get data() {
      return encode()
    },
  }
}

/** An out message carrying `value`, the object `data` is the JSON encoding of. */
export function withLocalValue(message: OutMessage, value: unknown): OutMessage & WithLocalValue {
  return { ...message, [LOCAL_VALUE]: value }
}

/** The bytes of a message, or how to make them when it is a `localMessage`. */
export function bytesOf(message: OutMessage): Uint8Array | (() => Uint8Array) {
  return (message as WithLocalValue)[LOCAL_BYTES] ?? message.data
}

/** The publisher's object of a message (embedded bus only), else undefined. */
export function localValue(message: OutMessage | BusMessage): unknown {
  return (message as WithLocalValue)[LOCAL_VALUE]
}
