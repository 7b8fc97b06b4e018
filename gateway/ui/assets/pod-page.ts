/// <reference lib="dom" />
import type { DebugPodReply } from '../../../protocol/queries.ts'
import { ApiError, apiJson } from './api.ts'
import { badge, fmtMs, fmtTime, h, mount, note, podHref } from './dom.ts'
import { type TimelineEvent, timeline } from './timeline.ts'

/** The debugpod answer (its `events` timeline: `first`/`last` RFC 3339 times). */
type PodAnswer = DebugPodReply

/** Where the pod page finds its pod: `?uid=` wins, else `/pods/<namespace>/<name>`. */
export function podQuery(loc: Location): string | null {
  const uid = new URLSearchParams(loc.search).get('uid')
  if (uid) return `uid=${encodeURIComponent(uid)}`
  const m = /^\/pods\/([^/]+)\/([^/]+)\/?$/.exec(loc.pathname)
  if (!m?.[1] || !m[2]) return null
  return `namespace=${m[1]}&name=${m[2]}`
}

function events(r: PodAnswer): { list: TimelineEvent[]; fromEvidence: boolean } {
  if (r.events) {
    return { list: r.events, fromEvidence: false }
  }
  const list = (r.diagnosis?.evidence ?? [])
    .filter((e) => e.reason || e.message)
    .map((e) => ({
      reason: e.reason ?? e.field ?? e.source,
      message: e.message,
      first: e.time,
      source: e.source,
    }))
  return { list, fromEvidence: true }
}

function dl(pairs: [string, Node | string][]): HTMLElement {
  return h('dl', { class: 'facts' }, ...pairs.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]))
}

function header(r: PodAnswer): HTMLElement {
  const owner = r.owner ? `${r.owner.kind}/${r.owner.name}` : '—'
  const d = r.diagnosis
  return h(
    'section',
    { class: 'pod-head', 'aria-labelledby': 'pod-title' },
    h('h1', { id: 'pod-title' }, r.name, ' ', badge(r.slo.create.result)),
    dl([
      [
        'Namespace',
        h('a', { href: `/slo?namespace=${encodeURIComponent(r.namespace)}` }, r.namespace),
      ],
      ['Node', r.node ?? 'not scheduled'],
      ['Owner', owner],
      ['UID', h('code', {}, r.uid)],
      ['Create SLO', `${r.slo.create.result} (threshold ${fmtMs(r.slo.create.thresholdMs)})`],
      ['Delivery', fmtMs(r.sli.deliveryMs)],
      ['Delete SLO', r.slo.delete ? `${r.slo.delete.result} (${fmtMs(r.sli.deleteMs)})` : '—'],
    ]),
    d
      ? h(
          'div',
          { class: `diagnosis owner-${d.owner}` },
          h('h2', {}, 'Diagnosis: ', h('code', { class: 'code' }, d.code)),
          h('p', {}, h('strong', {}, `Owner: ${d.owner}`), ` · phase ${d.phase}`),
          h('p', { class: 'summary' }, d.summary),
          d.detail ? h('p', { class: 'detail' }, d.detail) : null,
          d.findings.length > 1
            ? h('p', { class: 'muted' }, `Also matched: ${d.findings.slice(1).join(', ')}`)
            : null,
        )
      : h('p', { class: 'diagnosis none' }, 'No diagnosis: nothing held this pod up.'),
  )
}

function evidence(r: PodAnswer): HTMLElement {
  const ev = r.diagnosis?.evidence ?? []
  return h(
    'section',
    { 'aria-labelledby': 'ev-title' },
    h('h2', { id: 'ev-title' }, `Evidence (${ev.length})`),
    ev.length === 0
      ? note('none')
      : h(
          'ol',
          { class: 'evidence' },
          ...ev.map((e) =>
            h(
              'li',
              {},
              h('time', {}, fmtTime(e.time)),
              ` ${e.source}`,
              e.reason ? h('strong', {}, ` ${e.reason}`) : null,
              e.field ? h('code', {}, ` ${e.field}`) : null,
              e.message ? h('span', { class: 'msg' }, ` ${e.message}`) : null,
            ),
          ),
        ),
  )
}

function history(r: PodAnswer): HTMLElement {
  return h(
    'section',
    { 'aria-labelledby': 'hist-title' },
    h('h2', { id: 'hist-title' }, `Other pods of this name (${r.history.length})`),
    r.history.length === 0
      ? note('none')
      : h(
          'ul',
          { class: 'history' },
          ...r.history.map((e) =>
            h(
              'li',
              {},
              h(
                'a',
                { href: podHref({ namespace: r.namespace, name: r.name, uid: e.uid }) },
                e.uid,
              ),
              ` created ${fmtTime(e.created)} `,
              badge(e.result),
            ),
          ),
        ),
  )
}

function milestoneTable(r: PodAnswer): HTMLElement {
  const rows = Object.entries(r.milestones).filter(([, m]) => m)
  return h(
    'details',
    {},
    h('summary', {}, `Milestones (${rows.length}) as a table`),
    h(
      'table',
      {},
      h(
        'thead',
        {},
        h('tr', {}, h('th', {}, 'milestone'), h('th', {}, 'time'), h('th', {}, 'source')),
      ),
      h(
        'tbody',
        {},
        ...rows.map(([k, m]) =>
          h('tr', {}, h('td', {}, k), h('td', {}, fmtTime(m?.time)), h('td', {}, m?.source ?? '')),
        ),
      ),
    ),
  )
}

/** Renders `/pods/<namespace>/<name>` or `/pods?uid=`. */
export async function podPage(main: HTMLElement): Promise<void> {
  const q = podQuery(location)
  if (!q) {
    mount(main, note('Give a pod as /pods/<namespace>/<name> or /pods?uid=<uid>.', 'error'))
    return
  }
  let r: PodAnswer
  try {
    r = await apiJson<PodAnswer>(`/api/v1/debugpod?${q}`)
  } catch (err) {
    const msg = err instanceof ApiError ? `${err.status} ${err.code}: ${err.message}` : String(err)
    mount(main, h('h1', {}, 'Pod'), note(msg, 'error'))
    return
  }
  document.title = `${r.name} · Lunettes`
  const ev = events(r)
  const trace = r.traceUrl
    ? h('a', { href: r.traceUrl, rel: 'noreferrer' }, `Open trace ${r.traceId} in Jaeger`)
    : h('span', {}, `Trace id ${r.traceId} (no Jaeger UI URL configured)`)
  mount(
    main,
    header(r),
    h(
      'section',
      { 'aria-labelledby': 'tl-title' },
      h('h2', { id: 'tl-title' }, 'Timeline'),
      ev.fromEvidence
        ? note(
            'Events: this gateway has no events timeline yet; the diagnosis evidence is shown instead.',
          )
        : null,
      timeline(r, ev.list),
      milestoneTable(r),
    ),
    evidence(r),
    h(
      'section',
      {},
      h('h2', {}, 'Restarts'),
      h('p', { class: 'restarts' }, `${r.restarts} container restarts`),
    ),
    history(r),
    h('section', {}, h('h2', {}, 'Trace'), h('p', {}, trace)),
  )
}
