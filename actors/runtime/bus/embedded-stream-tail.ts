import type { Subscription, TailMessage, TailStart } from './bus.ts'
import { subjectMatches } from './embedded-match.ts'
import type { EmbeddedStream } from './embedded-stream.ts'

/** The sequence a tail of `stream` starts after. */
function startAfter(stream: EmbeddedStream, start: TailStart): number {
  if (start !== 'new' && 'afterSeq' in start) return start.afterSeq
  const newest = stream.at(stream.indexAfter(Number.MAX_SAFE_INTEGER) - 1)
  if (start === 'new') return newest?.seq ?? 0
  for (let i = 0, m = stream.at(0); m; m = stream.at(++i)) {
    if (m.time >= start.sinceMs) return m.seq - 1
  }
  return newest?.seq ?? 0
}

/**
 * Reads an embedded stream from `start`: the stored messages on `subject` after the start, then
 * each new one. A core subscription on the subject wakes the reader (a stream stores a message
 * before routing it), which then reads the stream itself from its last sequence, so messages
 * come once, in sequence order, with their stream sequence.
 */
export function embeddedTail(
  stream: EmbeddedStream,
  subscribe: (subject: string, handler: () => void) => Subscription,
  subject: string,
  start: TailStart,
  onMessage: (m: TailMessage) => void,
): Subscription {
  let last = startAfter(stream, start)
  let closed = false
  const drain = () => {
    if (closed) return
    for (let i = stream.indexAfter(last), m = stream.at(i); m; m = stream.at(++i)) {
      last = m.seq
      if (subjectMatches(subject, m.subject)) {
        onMessage({ seq: m.seq, subject: m.subject, data: m.data.slice() })
      }
    }
  }
  const sub = subscribe(subject, drain)
  setImmediate(drain)
  return {
    close: async () => {
      closed = true
      await sub.close()
    },
  }
}
