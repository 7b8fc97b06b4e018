/// <reference lib="dom" />
import { h } from './dom.ts'

/** Row height of the virtual list, px (the CSS gives `.vrow` the same height). */
export const ROW_PX = 28

/**
 * A virtualised, keyboard-navigable list: only the rows in view (plus a margin) are in the DOM,
 * so 10,000 pods scroll smoothly. Spacers above and below keep the scroll height right without
 * inline styles (their heights are set through CSSOM, which the CSP allows). Arrow keys, Page
 * Up/Down, Home and End move the focus; Enter follows the row's link.
 */
export function virtualList<T>(
  items: readonly T[],
  render: (item: T, index: number) => HTMLElement,
  label: string,
): HTMLElement {
  const top = h('div', { class: 'vspacer', 'aria-hidden': 'true' })
  const rows = h('div', { class: 'vrows' })
  const bottom = h('div', { class: 'vspacer', 'aria-hidden': 'true' })
  const box = h(
    'div',
    { class: 'vlist', role: 'list', 'aria-label': `${label} (${items.length})`, tabindex: 0 },
    top,
    rows,
    bottom,
  )
  let focusIndex = -1
  const draw = () => {
    const view = box.clientHeight || 400
    const first = Math.max(0, Math.floor(box.scrollTop / ROW_PX) - 10)
    const last = Math.min(items.length, Math.ceil((box.scrollTop + view) / ROW_PX) + 10)
    top.style.height = `${first * ROW_PX}px`
    bottom.style.height = `${(items.length - last) * ROW_PX}px`
    const out: HTMLElement[] = []
    for (let i = first; i < last; i++) {
      const item = items[i]
      if (item === undefined) continue
      const row = render(item, i)
      row.classList.add('vrow')
      row.setAttribute('role', 'listitem')
      row.dataset.index = String(i)
      row.setAttribute('aria-setsize', String(items.length))
      row.setAttribute('aria-posinset', String(i + 1))
      out.push(row)
    }
    // Rebuilding the rows drops the focused link: give the focus back to the same row.
    const hadFocus = box.contains(document.activeElement) && document.activeElement !== box
    rows.replaceChildren(...out)
    if (!hadFocus) return
    const target = rows.querySelector<HTMLElement>(`[data-index="${focusIndex}"] a`)
    if (target) target.focus({ preventScroll: true })
    else box.focus({ preventScroll: true })
  }
  const moveTo = (i: number) => {
    focusIndex = Math.max(0, Math.min(items.length - 1, i))
    const y = focusIndex * ROW_PX
    if (y < box.scrollTop) box.scrollTop = y
    else if (y + ROW_PX > box.scrollTop + box.clientHeight)
      box.scrollTop = y + ROW_PX - box.clientHeight
    draw()
    rows
      .querySelector<HTMLElement>(`[data-index="${focusIndex}"] a`)
      ?.focus({ preventScroll: true })
  }
  box.addEventListener('focusin', (e) => {
    const row = (e.target as HTMLElement).closest<HTMLElement>('.vrow')
    if (row?.dataset.index) focusIndex = Number(row.dataset.index)
  })
  box.addEventListener('scroll', () => requestAnimationFrame(draw), { passive: true })
  box.addEventListener('keydown', (e) => {
    const page = Math.max(1, Math.floor(box.clientHeight / ROW_PX) - 1)
    const step: Record<string, number> = {
      ArrowDown: 1,
      ArrowUp: -1,
      PageDown: page,
      PageUp: -page,
    }
    if (e.key in step) moveTo((focusIndex < 0 ? -1 : focusIndex) + (step[e.key] ?? 0))
    else if (e.key === 'Home') moveTo(0)
    else if (e.key === 'End') moveTo(items.length - 1)
    else return
    e.preventDefault()
  })
  requestAnimationFrame(draw)
  new ResizeObserver(() => draw()).observe(box)
  return box
}
