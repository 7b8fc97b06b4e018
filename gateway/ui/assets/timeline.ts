/// <reference lib="dom" />
import type { MilestoneName, PodReport } from '../../../protocol/pod-report.ts'
import { fmtMs, fmtTime, ms, s } from './dom.ts'

/**
 * The pod page's Gantt chart (SVG): one bar per measured phase between its milestones, milestone
 * markers, the SLO deadline, and the Kubernetes events on the same time axis. Every mark has an
 * SVG `<title>` (hover) and a text label, and is focusable, so it reads without colour or mouse.
 */

/** An event on the timeline: the debugpod `events` entry, or a piece of diagnosis evidence. */
export interface TimelineEvent {
  reason: string
  type?: string | undefined
  message?: string | undefined
  count?: number | undefined
  first: string
  last?: string | undefined
  source?: string | undefined
}

/** A phase bar: where it starts and ends (epoch ms); `open` when its end was never reached. */
export interface PhaseBar {
  key: keyof PodReport['phases']
  label: string
  start: number
  end: number
  durationMs: number | null
  open: boolean
  approx: boolean
}

const PHASES: {
  key: keyof PodReport['phases']
  label: string
  from: MilestoneName[]
  to: MilestoneName
}[] = [
  { key: 'schedule', label: 'schedule', from: ['created'], to: 'scheduled' },
  { key: 'nodeSetup', label: 'node setup', from: ['scheduled'], to: 'sandboxReady' },
  { key: 'imagePull', label: 'image pull', from: ['sandboxReady'], to: 'containersStarted' },
  { key: 'init', label: 'init', from: ['sandboxReady'], to: 'initialized' },
  {
    key: 'containerStart',
    label: 'container start',
    from: ['sandboxReady', 'scheduled'],
    to: 'containersStarted',
  },
  { key: 'readiness', label: 'readiness', from: ['containersStarted'], to: 'ready' },
]

/** The phase bars of a report (pure; exported for tests). */
export function phaseBars(r: PodReport, endOfView: number): PhaseBar[] {
  const at = (m: MilestoneName) => ms(r.milestones[m]?.time)
  const bars: PhaseBar[] = []
  let openShown = false
  for (const p of PHASES) {
    if (p.key === 'schedule' && (r.preassigned || r.staticPod)) continue
    const measured = r.phases[p.key]
    const start = p.from.map(at).find((t) => Number.isFinite(t)) ?? Number.NaN
    if (!Number.isFinite(start)) continue
    if (p.key === 'imagePull') {
      if (measured === null) continue
      bars.push({
        ...p,
        start,
        end: start + measured,
        durationMs: measured,
        open: false,
        approx: true,
      })
      continue
    }
    if (p.key === 'init' && measured === null) continue
    let s0 = start
    if (p.key === 'containerStart' && r.phases.init !== null)
      s0 = Math.max(start, at('initialized'))
    const end = at(p.to)
    if (Number.isFinite(end)) {
      bars.push({
        ...p,
        start: s0,
        end: Math.max(end, s0),
        durationMs: measured ?? end - s0,
        open: false,
        approx: false,
      })
    } else if (!openShown && !r.milestones.ready && !r.milestones.succeeded) {
      openShown = true
      // Open until the pod left (deleted or failed), else to the end of what was observed.
      const gone = (['deleteRequested', 'deleted', 'failed'] as const).map(at)
      const stop = gone.find((t) => Number.isFinite(t)) ?? endOfView
      bars.push({
        ...p,
        start: s0,
        end: Math.max(stop, s0),
        durationMs: null,
        open: true,
        approx: false,
      })
    }
  }
  return bars
}

const W = 1000
const LABEL = 210
const ROW = 24
const PAD = 12

function tickStep(spanMs: number): number {
  const steps = [1e3, 2e3, 5e3, 1e4, 3e4, 6e4, 12e4, 3e5, 6e5, 18e5, 36e5, 72e5, 216e5, 864e5]
  return steps.find((st) => spanMs / st <= 8) ?? 864e5
}

/** The SVG timeline of a pod. */
export function timeline(r: PodReport, events: TimelineEvent[]): SVGElement {
  const times = [
    ...Object.values(r.milestones).map((m) => ms(m?.time)),
    ...events.flatMap((e) => [ms(e.first), ms(e.last)]),
    ms(r.slo.create.deadline),
  ].filter((t) => Number.isFinite(t))
  let t0 = Math.min(...times)
  let t1 = Math.max(...times)
  if (!Number.isFinite(t0)) t0 = t1 = 0
  if (t1 - t0 < 2000) t1 = t0 + 2000
  const span = t1 - t0
  t0 -= span * 0.02
  t1 += span * 0.04
  const bars = phaseBars(r, t1)
  const x = (t: number) => LABEL + ((t - t0) / (t1 - t0)) * (W - LABEL - PAD)
  const rows = bars.length + 1 + events.length
  const height = 34 + rows * ROW + 10
  const svg = s('svg', {
    viewBox: `0 0 ${W} ${height}`,
    class: 'timeline',
    role: 'group',
    'aria-label': `Timeline of ${r.name}: ${bars.length} phases, ${events.length} events`,
  })
  const step = tickStep(t1 - t0)
  for (let t = Math.ceil(t0 / step) * step; t <= t1; t += step) {
    const label = new Date(t).toISOString().slice(11, 19)
    svg.append(
      s('line', { class: 'grid', x1: x(t), x2: x(t), y1: 20, y2: height - 6 }),
      s('text', { class: 'tick', x: x(t), y: 14, 'text-anchor': 'middle' }, label),
    )
  }
  let y = 28
  for (const b of bars) {
    const w = Math.max(2, x(b.end) - x(b.start))
    const dur = b.open ? 'not reached' : `${b.approx ? '≈' : ''}${fmtMs(b.durationMs)}`
    const text = `${b.label}: ${dur}`
    const g = s(
      'g',
      { class: `phase p-${b.key}${b.open ? ' open' : ''}`, tabindex: 0, 'aria-label': text },
      s('title', {}, `${text} (from ${new Date(b.start).toISOString()})`),
      s('text', { class: 'row-label', x: LABEL - 8, y: y + 16, 'text-anchor': 'end' }, b.label),
      s('rect', { class: 'bar', x: x(b.start), y: y + 4, width: w, height: ROW - 8, rx: 3 }),
      s('text', { class: 'bar-label', x: Math.min(x(b.start) + w + 4, W - 90), y: y + 16 }, dur),
    )
    svg.append(g)
    y += ROW
  }
  svg.append(
    s('text', { class: 'row-label', x: LABEL - 8, y: y + 16, 'text-anchor': 'end' }, 'milestones'),
  )
  for (const [name, m] of Object.entries(r.milestones)) {
    const t = ms(m?.time)
    if (!m || !Number.isFinite(t)) continue
    const text = `${name} ${fmtTime(m.time)} (${m.source}, ${m.precision})`
    svg.append(
      s(
        'g',
        { class: 'milestone', tabindex: 0, 'aria-label': text },
        s('title', {}, text),
        s('path', { d: `M${x(t)} ${y + 4} l6 8 l-6 8 l-6 -8 z` }),
      ),
    )
  }
  const deadline = ms(r.slo.create.deadline)
  if (Number.isFinite(deadline)) {
    const text = `SLO deadline ${fmtTime(r.slo.create.deadline)} (${fmtMs(r.slo.create.thresholdMs)})`
    svg.append(
      s(
        'g',
        { class: 'deadline', tabindex: 0, 'aria-label': text },
        s('title', {}, text),
        s('line', { x1: x(deadline), x2: x(deadline), y1: 20, y2: height - 6 }),
        x(deadline) > W - 110
          ? s('text', { x: x(deadline) - 3, y: height - 8, 'text-anchor': 'end' }, 'SLO deadline')
          : s('text', { x: x(deadline) + 3, y: height - 8 }, 'SLO deadline'),
      ),
    )
  }
  y += ROW
  for (const e of events) {
    const a = ms(e.first)
    const b = Number.isFinite(ms(e.last)) ? ms(e.last) : a
    const count = e.count && e.count > 1 ? ` ×${e.count}` : ''
    const text = `${e.type ? `${e.type} ` : ''}${e.reason}${count}: ${e.message ?? ''}`
    svg.append(
      s(
        'g',
        {
          class: `event${e.type === 'Warning' ? ' warning' : ''}`,
          tabindex: 0,
          'aria-label': text,
        },
        s(
          'title',
          {},
          `${text} (${fmtTime(e.first)}${e.last && e.last !== e.first ? ` → ${fmtTime(e.last)}` : ''}${e.source ? `, ${e.source}` : ''})`,
        ),
        s(
          'text',
          { class: 'row-label', x: LABEL - 8, y: y + 16, 'text-anchor': 'end' },
          `${e.reason}${count}`,
        ),
        s('rect', {
          class: 'span',
          x: x(a) - 3,
          y: y + 6,
          width: Math.max(6, x(b) - x(a) + 6),
          height: ROW - 12,
          rx: 3,
        }),
      ),
    )
    y += ROW
  }
  return svg
}
