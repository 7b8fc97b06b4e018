import { signalEnvelopeJson } from '../protocol/envelope.ts'
import type { PodSignal } from '../protocol/pod-signal.ts'

/** NATS' default `max_payload` (1 MiB): the bus limit when the bus port does not report one. */
export const DEFAULT_MAX_PAYLOAD = 1024 * 1024

/**
 * Bytes kept free in every message for its headers (`NATS/1.0`, `Nats-Msg-Id: <id>`), which the
 * server counts against `max_payload` together with the data; the id's own bytes come on top.
 */
export const HEADER_RESERVE_BYTES = 256

/** Message lengths (characters) tried in turn when a signal is too big for the bus. */
const MESSAGE_KEEP = [4096, 256] as const

const encoder = new TextEncoder()

/** What fitting one signal to the bus gave. */
export type FitResult =
  | { readonly ok: true; readonly signal: PodSignal; readonly trimmed: boolean }
  | { readonly ok: false; readonly bytes: number }

/** The envelope bytes of a signal as `signalMessages` encodes it. */
function envelopeBytes(signal: PodSignal, budget: number): number {
  const json = signalEnvelopeJson(signal)
  // UTF-8 takes at most 3 bytes per UTF-16 unit: most signals fit without being encoded here.
  if (json.length * 3 <= budget) return json.length
  return encoder.encode(json).byteLength
}

/** Data bytes a message may carry on a bus whose `max_payload` is `maxPayload`. */
export function dataBudget(maxPayload: number, msgId: string): number {
  return maxPayload - HEADER_RESERVE_BYTES - encoder.encode(msgId).byteLength
}

/** `text` cut to `keep` characters with a marker that keeps the original length. */
export function trimText(text: string, keep: number): string {
  if (text.length <= keep) return text
  // Never split a surrogate pair: a lone half would become U+FFFD on the wire.
  let end = keep
  const last = text.charCodeAt(end - 1)
  if (last >= 0xd800 && last <= 0xdbff) end--
  return `${text.slice(0, end)}… [truncated by the gateway: ${text.length} characters]`
}

function withMessages(signal: PodSignal, keep: number): PodSignal {
  return {
    ...signal,
    ops: signal.ops.map((op) =>
      op.message === undefined ? op : { ...op, message: trimText(op.message, keep) },
    ),
    ...(signal.event
      ? { event: { ...signal.event, message: trimText(signal.event.message, keep) } }
      : {}),
  }
}

/**
 * Makes one signal fit a bus message: as it is when it fits; else with its messages (the Event
 * message and the ops' messages, the only free-text fields of unbounded length) cut to 4096, then
 * 256 characters with a marker; else not at all (`ok: false`), for the caller to reject that
 * signal alone. The batch around it goes on either way.
 */
export function fitSignal(signal: PodSignal, maxPayload: number): FitResult {
  const budget = dataBudget(maxPayload, signal.id)
  const size = envelopeBytes(signal, budget)
  if (size <= budget) return { ok: true, signal, trimmed: false }
  for (const keep of MESSAGE_KEEP) {
    const trimmed = withMessages(signal, keep)
    if (envelopeBytes(trimmed, budget) <= budget)
      return { ok: true, signal: trimmed, trimmed: true }
  }
  return { ok: false, bytes: size }
}
