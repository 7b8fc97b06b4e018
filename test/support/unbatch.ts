/** A published bus message, as the fakes and subscriptions of the tests see it. */
export interface SeenMessage {
  readonly subject: string
  readonly data: Uint8Array
  readonly msgId?: string | undefined
}

const dec = new TextDecoder()
const enc = new TextEncoder()

/**
 * Published messages with each `batch` message (protocol/envelope-batch.ts) expanded into the
 * single signal envelopes it carries, in order, each with the signal id as its msgId: what the
 * message-per-signal tests were written against. Other messages pass unchanged.
 */
export function unbatch(messages: readonly SeenMessage[]): SeenMessage[] {
  return messages.flatMap((m) => {
    const body = JSON.parse(dec.decode(m.data)) as { kind?: string; messages?: unknown[] }
    if (body.kind !== 'batch') return [m]
    return (body.messages ?? []).map((e) => ({
      subject: m.subject,
      data: enc.encode(JSON.stringify(e)),
      msgId: (e as { signal: { id: string } }).signal.id,
    }))
  })
}

/** The ids of the signals a message's data carries (one, several for a batch, none otherwise). */
export function signalIdsIn(data: Uint8Array): string[] {
  const body = JSON.parse(dec.decode(data)) as {
    kind?: string
    signal?: { id: string }
    messages?: { signal: { id: string } }[]
  }
  if (body.kind === 'signal' && body.signal) return [body.signal.id]
  if (body.kind === 'batch') return (body.messages ?? []).map((e) => e.signal.id)
  return []
}
