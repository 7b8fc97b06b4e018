/// <reference lib="dom" />
import type { SloAlert } from '../../../protocol/alert.ts'
import { apiFetch } from './api.ts'
import { badge, fmtTime, h, mount, note, podHref } from './dom.ts'
import { sseParser } from './sse.ts'

const KEEP = 50

/**
 * The live alerts panel: reads `GET /api/v1/alerts/stream` with `fetch()` streaming (EventSource
 * cannot send the bearer token), shows the newest alerts first, and reconnects with
 * `Last-Event-ID` so nothing is missed or shown twice. A 404 (an older gateway) shows a note.
 */
export function alertsPanel(namespace: string | null): HTMLElement {
  const list = h('ol', { class: 'alerts', 'aria-live': 'polite' })
  const status = h('p', { class: 'muted' }, 'connecting…')
  const panel = h(
    'section',
    { class: 'alerts-panel', 'aria-labelledby': 'alerts-title' },
    h('h2', { id: 'alerts-title' }, 'Live alerts'),
    status,
    list,
  )
  const seen = new Set<string>()
  let lastId: string | undefined
  let delay = 1000
  const show = (a: SloAlert) => {
    if (seen.has(a.id)) return
    seen.add(a.id)
    const item = h(
      'li',
      {},
      h('time', {}, fmtTime(a.at)),
      ' ',
      h('strong', {}, a.kind),
      ' ',
      h('a', { href: podHref(a) }, `${a.namespace}/${a.name}`),
      ' ',
      badge(a.result),
      a.diagnosis ? h('code', { class: 'code' }, ` ${a.diagnosis.code}`) : null,
    )
    list.prepend(item)
    while (list.children.length > KEEP) list.lastElementChild?.remove()
  }
  const connect = async (): Promise<void> => {
    const qs = namespace ? `?namespace=${encodeURIComponent(namespace)}` : ''
    const headers: Record<string, string> = { accept: 'text/event-stream' }
    if (lastId) headers['last-event-id'] = lastId
    const res = await apiFetch(`/api/v1/alerts/stream${qs}`, { headers })
    if (res.status === 404) {
      await res.body?.cancel()
      mount(status, 'Live alerts are not available on this server (no /api/v1/alerts/stream).')
      return
    }
    if (!res.ok || !res.body) {
      await res.body?.cancel()
      throw new Error(`alert stream answered ${res.status}`)
    }
    mount(status, 'connected: new alerts appear here')
    delay = 1000
    const parse = sseParser()
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader()
    for (;;) {
      const { value, done } = await reader.read()
      if (done) break
      for (const ev of parse(value)) {
        if (ev.id) lastId = ev.id
        if (ev.event !== 'alert') continue
        try {
          show(JSON.parse(ev.data) as SloAlert)
        } catch {
          // A malformed alert is skipped; the stream goes on.
        }
      }
    }
    throw new Error('alert stream ended')
  }
  const loop = () => {
    connect().then(
      () => undefined,
      (err: unknown) => {
        mount(
          status,
          note(`alert stream: ${String(err)}; reconnecting in ${delay / 1000} s`, 'warn'),
        )
        setTimeout(loop, delay)
        delay = Math.min(delay * 2, 30_000)
      },
    )
  }
  loop()
  return panel
}
