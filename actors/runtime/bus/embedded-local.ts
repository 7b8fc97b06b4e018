import type { BusMessage, OutMessage } from './bus.ts'

/**
 * The object an in-process publisher built a message's bytes from, carried next to them. Only the
 * embedded bus keeps it (stored with the message, attached to each delivery); a server bus sends
 * the bytes alone, so a reader must treat it as a hint: decode it with the same schema as the
 * bytes and fall back to the bytes when it does not pass. It lets one process skip the JSON
 * round trip of what it just built (replay), never the validation.
 */
export const LOCAL_VALUE: unique symbol = Symbol('lunettes.localValue')

/** A message that may carry its publisher's object (see `LOCAL_VALUE`). */
export interface WithLocalValue {
  readonly [LOCAL_VALUE]?: unknown
}

/** An out message carrying `value`, the object `data` is the JSON encoding of. */
export function withLocalValue(message: OutMessage, value: unknown): OutMessage & WithLocalValue {
  return { ...message, [LOCAL_VALUE]: value }
}

/** The publisher's object of a message (embedded bus only), else undefined. */
export function localValue(message: OutMessage | BusMessage): unknown {
  return (message as WithLocalValue)[LOCAL_VALUE]
}
