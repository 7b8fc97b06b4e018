/** One server-sent event. */
export interface SseEvent {
  event: string
  id: string | undefined
  data: string
}

/**
 * An incremental `text/event-stream` parser (the WHATWG rules: `field: value` lines, events end
 * at a blank line, `data` lines joined by newlines, comments start with `:`). Feed it decoded
 * chunks as they arrive; it returns the events each chunk completed.
 */
export function sseParser(): (chunk: string) => SseEvent[] {
  let buf = ''
  let data: string[] = []
  let event = ''
  let id: string | undefined
  return (chunk) => {
    buf += chunk
    const out: SseEvent[] = []
    for (;;) {
      const nl = buf.search(/\r\n|\r|\n/)
      if (nl < 0) break
      const line = buf.slice(0, nl)
      buf = buf.slice(buf[nl] === '\r' && buf[nl + 1] === '\n' ? nl + 2 : nl + 1)
      if (line === '') {
        if (data.length > 0) out.push({ event: event || 'message', id, data: data.join('\n') })
        data = []
        event = ''
        continue
      }
      if (line.startsWith(':')) continue
      const colon = line.indexOf(':')
      const field = colon < 0 ? line : line.slice(0, colon)
      let value = colon < 0 ? '' : line.slice(colon + 1)
      if (value.startsWith(' ')) value = value.slice(1)
      if (field === 'data') data.push(value)
      else if (field === 'event') event = value
      else if (field === 'id' && !value.includes('\0')) id = value
    }
    return out
  }
}
