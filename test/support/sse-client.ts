import { type SseEvent, sseParser } from '../../gateway/ui/assets/sse.ts'

/** A reader of a `text/event-stream` response: events and comment lines as they arrive. */
export interface SseReader {
  /** Waits until `n` events arrived in total (rejects after `timeoutMs`). */
  events(n: number, timeoutMs?: number): Promise<SseEvent[]>
  /** Everything received so far, as text. */
  readonly text: () => string
  close(): Promise<void>
}

/** Reads an SSE response body (from `app.request()` or `fetch`) with the UI's own parser. */
export function readSse(res: Response): SseReader {
  if (!res.body) throw new Error('no body')
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader()
  const parse = sseParser()
  const got: SseEvent[] = []
  let all = ''
  let ended = false
  const waiters = new Set<() => void>()
  const pump = (async () => {
    for (;;) {
      const { value, done } = await reader.read()
      if (done) break
      all += value
      got.push(...parse(value))
      for (const w of waiters) w()
    }
  })()
    .catch(() => undefined)
    .finally(() => {
      ended = true
      for (const w of waiters) w()
    })
  return {
    text: () => all,
    async events(n, timeoutMs = 3000) {
      const deadline = Date.now() + timeoutMs
      while (got.length < n) {
        if (ended) throw new Error(`stream ended after ${got.length} of ${n} events`)
        const left = deadline - Date.now()
        if (left <= 0) throw new Error(`${got.length} of ${n} events within ${timeoutMs} ms`)
        await new Promise<void>((resolve) => {
          const t = setTimeout(done, left)
          function done() {
            clearTimeout(t)
            waiters.delete(done)
            resolve()
          }
          waiters.add(done)
        })
      }
      return got.slice()
    },
    async close() {
      await reader.cancel().catch(() => undefined)
      await pump
    },
  }
}
