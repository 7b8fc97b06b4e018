/// <reference lib="dom" />
/**
 * Small DOM helpers for the UI's pages. Everything is built with `createElement` and
 * `textContent` (never `innerHTML`), so data from the API can never become markup, and nothing
 * uses inline styles (the CSP forbids them): classes only.
 */

type Child = Node | string | number | null | undefined | false
type Attrs = Record<string, string | number | boolean | undefined | null>

/** An HTML element with attributes (`class`, `href`, `aria-*`, …) and children. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag)
  setAttrs(el, attrs)
  append(el, children)
  return el
}

const SVG_NS = 'http://www.w3.org/2000/svg'

/** An SVG element with attributes and children. */
export function s(tag: string, attrs: Attrs = {}, ...children: Child[]): SVGElement {
  const el = document.createElementNS(SVG_NS, tag) as SVGElement
  setAttrs(el, attrs)
  append(el, children)
  return el
}

function setAttrs(el: Element, attrs: Attrs): void {
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue
    el.setAttribute(k, v === true ? '' : String(v))
  }
}

function append(el: Element, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue
    el.append(typeof c === 'number' ? String(c) : c)
  }
}

/** Replaces the content of `el`. */
export function mount(el: Element, ...children: Child[]): void {
  el.replaceChildren()
  append(el, children)
}

/** A duration in ms as `850 ms`, `12.3 s`, `4m 05s`, `2h 03m`; `—` for null. */
export function fmtMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—'
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`
  const s = Math.round(ms / 1000)
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
}

/** An RFC 3339 time as `2021-09-14 14:07:04Z` (UTC, the precision kept). */
export function fmtTime(iso: string | null | undefined): string {
  if (!iso) return '—'
  return iso.replace('T', ' ').replace(/\.(\d{3})\d*Z$/, '.$1Z')
}

/** Epoch ms of an RFC 3339 time (µs digits dropped), NaN when unparsable. */
export function ms(iso: string | null | undefined): number {
  return iso ? Date.parse(iso) : Number.NaN
}

/** Results that count as a violation of the create or delete SLO. */
export const VIOLATING = new Set(['violated', 'late', 'failed', 'killed', 'timeout'])

/** A verdict badge: the word itself is the label; the colour only repeats it. */
export function badge(result: string): HTMLElement {
  return h('span', { class: `badge r-${result.replace(/[^a-z]/g, '')}` }, result)
}

/** Link to a pod's page (by UID, so a reused name still shows the right pod). */
export function podHref(p: { namespace: string; name: string; uid?: string }): string {
  const base = `/pods/${encodeURIComponent(p.namespace)}/${encodeURIComponent(p.name)}`
  return p.uid ? `${base}?uid=${encodeURIComponent(p.uid)}` : base
}

/** A short error or notice paragraph. */
export function note(text: string, kind: 'muted' | 'error' | 'warn' = 'muted'): HTMLElement {
  return h('p', { class: kind, role: kind === 'error' ? 'alert' : undefined }, text)
}
