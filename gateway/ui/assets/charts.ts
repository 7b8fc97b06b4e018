/// <reference lib="dom" />
import type uPlot from 'uplot'
import { h, s } from './dom.ts'

/**
 * The SLO page's charts: horizontal bar distributions (SVG, every bar labelled with its name,
 * count and share, so colour is never the only cue) and the p50/p90/p99 chart (uPlot, served by
 * this gateway from the npm package; the three lines also differ by dash pattern).
 */

/** A labelled horizontal bar chart of `counts`, largest first. */
export function distribution(
  title: string,
  counts: Record<string, number>,
  kind: 'result' | 'code',
): HTMLElement {
  const entries = Object.entries(counts).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
  const total = entries.reduce((n, [, c]) => n + c, 0)
  const max = Math.max(1, ...entries.map(([, c]) => c))
  const row = 22
  const svg = s('svg', {
    viewBox: `0 0 600 ${Math.max(1, entries.length) * row + 4}`,
    class: `dist dist-${kind}`,
    role: 'img',
    'aria-label': `${title}: ${entries.map(([k, c]) => `${k} ${c}`).join(', ') || 'none'}`,
  })
  entries.forEach(([k, c], i) => {
    const y = i * row + 2
    const pct = total ? Math.round((c / total) * 1000) / 10 : 0
    svg.append(
      s(
        'g',
        {
          class: `dbar ${kind === 'result' ? `r-${k.replace(/[^a-z]/g, '')}` : 'code'}`,
          'data-key': k,
          'data-count': c,
        },
        s('title', {}, `${k}: ${c} (${pct}%)`),
        s('text', { class: 'dlabel', x: 0, y: y + 15 }, k),
        s('rect', {
          x: 230,
          y: y + 3,
          width: Math.max(1, (c / max) * 270),
          height: row - 6,
          rx: 2,
        }),
        s('text', { class: 'dcount', x: 236 + (c / max) * 270, y: y + 15 }, `${c} (${pct}%)`),
      ),
    )
  })
  return h(
    'figure',
    { class: 'chart' },
    h('figcaption', {}, `${title} (${total})`),
    entries.length === 0 ? h('p', { class: 'muted' }, 'no finished pods in this window') : svg,
  )
}

/** A pod with a finish time and a latency. */
export interface Sample {
  t: number
  v: number
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length))
  return sorted[rank - 1] ?? null
}

/** p50/p90/p99 per time bucket over [from, to] (epoch ms): uPlot's column arrays, x in s. */
export function percentileSeries(
  samples: readonly Sample[],
  from: number,
  to: number,
  buckets = 24,
): [number[], (number | null)[], (number | null)[], (number | null)[]] {
  const width = Math.max(1, (to - from) / buckets)
  const groups: number[][] = Array.from({ length: buckets }, () => [])
  for (const smp of samples) {
    const i = Math.min(buckets - 1, Math.max(0, Math.floor((smp.t - from) / width)))
    groups[i]?.push(smp.v)
  }
  const xs: number[] = []
  const p50: (number | null)[] = []
  const p90: (number | null)[] = []
  const p99: (number | null)[] = []
  groups.forEach((g, i) => {
    g.sort((a, b) => a - b)
    xs.push((from + (i + 0.5) * width) / 1000)
    const sec = (p: number) => {
      const v = percentile(g, p)
      return v === null ? null : v / 1000
    }
    p50.push(sec(50))
    p90.push(sec(90))
    p99.push(sec(99))
  })
  return [xs, p50, p90, p99]
}

const UPLOT_URL = '/assets/vendor/uplot.esm.js'

/** The p50/p90/p99-over-time chart of delivery latency (seconds). */
export async function percentileChart(
  samples: readonly Sample[],
  from: number,
  to: number,
): Promise<HTMLElement> {
  const fig = h('figure', { class: 'chart pct' })
  fig.append(
    h(
      'figcaption',
      {},
      `Delivery latency p50 / p90 / p99 over time (${samples.length} pods, seconds)`,
    ),
  )
  if (samples.length === 0) {
    fig.append(h('p', { class: 'muted' }, 'no delivery latencies in this window'))
    return fig
  }
  const mod = (await import(UPLOT_URL)) as { default: typeof uPlot }
  const holder = h('div', {
    class: 'uplot-holder',
    role: 'img',
    'aria-label': 'latency percentiles chart',
  })
  fig.append(holder)
  const line = (label: string, stroke: string, dash: number[]) => ({
    label,
    stroke,
    dash,
    width: 2,
    spanGaps: true,
    value: (_u: uPlot, v: number | null) => (v === null ? '—' : `${v.toFixed(1)} s`),
  })
  const width = Math.max(
    320,
    Math.min(1100, document.querySelector('main')?.clientWidth ?? 900) - 20,
  )
  const chart = new mod.default(
    {
      width,
      height: 260,
      series: [
        {},
        line('p50', '#2b6cb0', []),
        line('p90', '#b7791f', [8, 4]),
        line('p99', '#c53030', [2, 3]),
      ],
      axes: [{}, { label: 'seconds' }],
      scales: { x: { time: true } },
    },
    percentileSeries(samples, from, to),
    holder,
  )
  fig.dataset.points = String(chart.data[0]?.length ?? 0)
  return fig
}
