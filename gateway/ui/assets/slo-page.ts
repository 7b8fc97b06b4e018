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

function podsSection(reply: DebugSloReply): HTMLElement {
  const latency = (p: SloPod) => p.deliveryMs ?? p.deleteMs ?? -1
  const worstFirst = [...reply.pods].sort((a, b) => latency(b) - latency(a))
  const violating = worstFirst.filter((p) => VIOLATING.has(p.result))
  const holder = h('div', {})
  const all = h('input', { type: 'checkbox', id: 'show-all' })
  const show = () => {
    const list = all.checked ? worstFirst : violating
    mount(
      holder,
      list.length === 0
        ? note('no pods')
        : virtualList(list, podRow, all.checked ? 'Listed pods' : 'Violating pods'),
    )
  }
  all.addEventListener('change', show)
  show()
  return h(
    'section',
    { 'aria-labelledby': 'pods-title' },
    h(
      'h2',
      { id: 'pods-title' },
      `Violating pods (${violating.length} of ${reply.pods.length} listed), worst first`,
    ),
    h('p', {}, all, h('label', { for: 'show-all' }, ' show every listed pod')),
    reply.truncated
      ? note('More pods matched than listed: narrow the window or namespace.', 'warn')
      : null,
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
  )
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
      `; latency p50 ${fmtMs(p50)}, p90 ${fmtMs(p90)}, p99 ${fmtMs(p99)} (from rollup buckets)`,
    ),
    h(
      'div',
      { class: 'grid2' },
      distribution('Results', reply.counts.byResult, 'result'),
      distribution('Diagnosis codes', reply.counts.byCode, 'code'),
    ),
    chart,
    podsSection(reply),
    alertsPanel(q.namespace),
  )
}
