/// <reference lib="dom" />
import type { SloPod } from '../../../protocol/queries.ts'
import { apiJson, isMissingRoute } from './api.ts'
import { badge, fmtTime, h, mount, note, podHref } from './dom.ts'
import { podPage } from './pod-page.ts'
import { sloPage } from './slo-page.ts'
import { virtualList } from './virtual-list.ts'

const UID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** `/search?q=`: `namespace/name` and UIDs go straight to the pod; anything else asks /pods. */
async function searchPage(main: HTMLElement): Promise<void> {
  const params = new URLSearchParams(location.search)
  const q = (params.get('q') ?? '').trim()
  const input = document.querySelector<HTMLInputElement>('#q')
  if (input) input.value = q
  if (UID.test(q)) return location.replace(`/pods?uid=${encodeURIComponent(q)}`)
  const slash = /^([^/\s]+)\/([^/\s]+)$/.exec(q)
  if (slash?.[1] && slash[2])
    return location.replace(podHref({ namespace: slash[1], name: slash[2] }))
  mount(main, h('h1', {}, `Pods matching “${q}”`), note('Searching…'))
  const api = new URLSearchParams({ q: q.toLowerCase() })
  const ns = params.get('namespace')
  if (ns) api.set('namespace', ns)
  const row = (p: SloPod) =>
    h(
      'div',
      { class: 'pod-row' },
      h('a', { href: podHref(p) }, `${p.namespace}/${p.name}`),
      badge(p.result),
      h('span', { class: 'code' }, p.code ?? '—'),
      h('time', {}, fmtTime(p.finished)),
    )
  const pods: SloPod[] = []
  const more = h('button', { type: 'button', class: 'more' }, 'Search further')
  const load = async (cursor: string | null) => {
    const page = new URLSearchParams(api)
    if (cursor) page.set('cursor', cursor)
    const reply = await apiJson<{ pods: SloPod[]; next: string | null }>(`/api/v1/pods?${page}`)
    pods.push(...reply.pods)
    more.hidden = reply.next === null
    more.onclick = () => {
      load(reply.next).catch((err: unknown) => mount(main, note(String(err), 'error')))
    }
    mount(
      main,
      h('h1', {}, `Pods matching “${q}” (${pods.length}${reply.next ? '+' : ''})`),
      pods.length ? virtualList(pods, row, 'Matching pods') : note('no pod matches yet'),
      more,
    )
  }
  try {
    await load(null)
  } catch (err) {
    const text = isMissingRoute(err)
      ? 'Search by name prefix is not available on this server (no /api/v1/pods). Type namespace/name or a pod UID.'
      : String(err instanceof Error ? err.message : err)
    mount(
      main,
      h('h1', {}, `Pods matching “${q}”`),
      note(text, isMissingRoute(err) ? 'warn' : 'error'),
    )
  }
}

async function route(): Promise<void> {
  const main = document.querySelector<HTMLElement>('#main')
  if (!main) return
  const path = location.pathname
  if (path === '/' || path === '/slo' || path === '/slo/') return sloPage(main)
  if (path === '/pods' || path.startsWith('/pods/')) return podPage(main)
  if (path === '/search') return searchPage(main)
  mount(main, h('h1', {}, 'Not found'), note(`No page at ${path}.`, 'error'))
}

route().catch((err: unknown) => {
  const main = document.querySelector<HTMLElement>('#main')
  if (main) mount(main, note(`The page failed: ${String(err)}`, 'error'))
})
