/// <reference lib="dom" />
import type { DebugSloReply, SloPod } from '../../../protocol/queries.ts'
import { alertsPanel } from './alerts-panel.ts'
import { ApiError, apiJson } from './api.ts'
import { distribution, percentileChart } from './charts.ts'
import { badge, fmtMs, fmtTime, h, mount, ms, note, podHref, VIOLATING } from './dom.ts'
import { virtualList } from './virtual-list.ts'

const WINDOWS: Record<string, number> = { '1h': 36e5, '6h': 216e5, '24h': 864e5, '7d': 6048e5 }

/** The dashboard's window and filters from the URL (`/slo?namespace=&since=|from=&to=`). */
export function sloQuery(search: string, now: number) {
  const params = new URLSearchParams(search)
  // An empty form field means "not given".
  const p = { get: (k: string) => params.get(k) || null }
  const since = p.get('since') ?? '24h'
  const to = p.get('to') ?? new Date(now).toISOString()
  const from = p.get('from') ?? new Date(Date.parse(to) - (WINDOWS[since] ?? 864e5)).toISOString()
  const api = new URLSearchParams({ from, to, limit: '5000' })
  for (const k of ['namespace', 'type', 'result', 'code']) {
    const v = p.get(k)
    if (v) api.set(k, v)
  }
  return { namespace: p.get('namespace'), since, from, to, type: p.get('type') ?? 'create', api }
}

function field(label: string, input: HTMLElement): HTMLElement {
  return h('label', { class: 'field' }, h('span', {}, label), input)
}

function filters(q: ReturnType<typeof sloQuery>, explicit: boolean): HTMLElement {
  const select = h(
    'select',
    { name: 'since' },
    ...Object.keys(WINDOWS).map((w) =>
      h('option', { value: w, selected: w === q.since && !explicit }, `last ${w}`),
    ),
    explicit ? h('option', { value: '', selected: true }, 'from/to below') : null,
  )
  const type = h(
    'select',
    { name: 'type' },
    ...['create', 'delete'].map((t) => h('option', { value: t, selected: t === q.type }, t)),
  )
  return h(
    'form',
    { class: 'filters', action: '/slo', method: 'get' },
    field(
      'Namespace',
      h('input', { name: 'namespace', value: q.namespace ?? '', placeholder: 'all namespaces' }),
    ),
    field('SLO', type),
    field('Window', select),
    field(
      'From (RFC 3339)',
      h('input', { name: 'from', value: explicit ? q.from : '', placeholder: q.from }),
    ),
    field('To', h('input', { name: 'to', value: explicit ? q.to : '', placeholder: q.to })),
    h('button', { type: 'submit' }, 'Show'),
  )
}

function podRow(p: SloPod): HTMLElement {
  return h(
    'div',
    { class: 'pod-row' },
    h('a', { href: podHref(p) }, `${p.namespace}/${p.name}`),
    badge(p.result),
    h('span', { class: 'code' }, p.code ?? '—'),
    h('span', { class: 'num' }, fmtMs(p.deliveryMs ?? p.deleteMs)),
    h('time', {}, fmtTime(p.finished)),
  )
}

/** The listed pods: violating ones (or all), worst first; "load more" follows `next`. */
function podsSection(reply: DebugSloReply, api: URLSearchParams): HTMLElement {
  const latency = (p: SloPod) => p.deliveryMs ?? p.deleteMs ?? -1
  const pods = [...reply.pods]
  let next = reply.next
  const holder = h('div', {})
  const title = h('h2', { id: 'pods-title' })
  const all = h('input', { type: 'checkbox', id: 'show-all' })
  const more = h('button', { type: 'button', class: 'more' }, 'Load more pods')
  const show = () => {
    const worstFirst = [...pods].sort((a, b) => latency(b) - latency(a))
    const violating = worstFirst.filter((p) => VIOLATING.has(p.result))
    mount(title, `Violating pods (${violating.length} of ${pods.length} listed), worst first`)
    const list = all.checked ? worstFirst : violating
    mount(
      holder,
      list.length === 0
        ? note('no pods')
        : virtualList(list, podRow, all.checked ? 'Listed pods' : 'Violating pods'),
    )
    more.hidden = next === null
  }
  all.addEventListener('change', show)
  more.addEventListener('click', () => {
    if (!next) return
    const q = new URLSearchParams(api)
    q.set('cursor', next)
    more.setAttribute('disabled', '')
    apiJson<DebugSloReply>(`/api/v1/debugslo?${q}`).then(
      (page) => {
        pods.push(...page.pods)
        next = page.next
        more.removeAttribute('disabled')
        show()
      },
      (err: unknown) => {
        more.removeAttribute('disabled')
        mount(holder, note(`loading more failed: ${String(err)}`, 'error'))
      },
    )
  })
  show()
  return h(
    'section',
    { 'aria-labelledby': 'pods-title' },
    title,
    h('p', {}, all, h('label', { for: 'show-all' }, ' show every listed pod')),
    h(
      'div',
      { class: 'pod-row head', 'aria-hidden': 'true' },
      h('span', {}, 'pod'),
      h('span', {}, 'result'),
      h('span', {}, 'diagnosis'),
      h('span', {}, 'latency'),
      h('span', {}, 'finished'),
    ),
    holder,
    more,
  )
}

/** How the percentiles were computed, in words. */
function method(reply: DebugSloReply): string {
  const { method: m, errorBoundMs } = reply.percentiles
  if (m === 'exact') return 'exact, from every verdict'
  return errorBoundMs === null
    ? 'interpolated from rollup buckets; some lie past the last bucket'
    : `interpolated from rollup buckets, within ±${fmtMs(errorBoundMs)}`
}

/** Renders `/` and `/slo`. */
export async function sloPage(main: HTMLElement): Promise<void> {
  const q = sloQuery(location.search, Date.now())
  const explicit = Boolean(new URLSearchParams(location.search).get('from'))
  const scope = q.namespace ? `namespace ${q.namespace}` : 'all namespaces'
  mount(main, h('h1', {}, `SLO dashboard: ${scope}`), filters(q, explicit), note('Loading…'))
  let reply: DebugSloReply
  try {
    reply = await apiJson<DebugSloReply>(`/api/v1/debugslo?${q.api}`)
  } catch (err) {
    const msg = err instanceof ApiError ? `${err.status} ${err.code}: ${err.message}` : String(err)
    mount(main, h('h1', {}, `SLO dashboard: ${scope}`), filters(q, explicit), note(msg, 'error'))
    return
  }
  const { p50, p90, p99 } = reply.latencyMs
  const samples = reply.pods.flatMap((p) => {
    const v = reply.type === 'create' ? p.deliveryMs : p.deleteMs
    const t = ms(p.finished)
    return v === null || !Number.isFinite(t) ? [] : [{ t, v }]
  })
  const chart = await percentileChart(samples, Date.parse(reply.from), Date.parse(reply.to))
  mount(
    main,
    h('h1', {}, `SLO dashboard: ${scope}`),
    filters(q, explicit),
    h(
      'p',
      { class: 'window' },
      `${reply.type} SLO, ${fmtTime(reply.from)} → ${fmtTime(reply.to)}: `,
      h('strong', { class: 'total' }, `${reply.counts.total} finished pods`),
      `; latency p50 ${fmtMs(p50)}, p90 ${fmtMs(p90)}, p99 ${fmtMs(p99)} (${method(reply)})`,
    ),
    h(
      'div',
      { class: 'grid2' },
      distribution('Results', reply.counts.byResult, 'result'),
      distribution('Diagnosis codes', reply.counts.byCode, 'code'),
    ),
    chart,
    podsSection(reply, q.api),
    alertsPanel(q.namespace),
  )
}
