/** One sample of a Prometheus text exposition: metric name, labels, value. */
export interface Sample {
  readonly name: string
  readonly labels: Readonly<Record<string, string>>
  readonly value: number
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{([^}]*)\})? (\S+)/
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g

/** Parses the text format (our own metrics endpoints; comments skipped). */
export function parseMetrics(text: string): Sample[] {
  const out: Sample[] = []
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const m = LINE.exec(line)
    if (!m) continue
    const labels: Record<string, string> = {}
    for (const l of (m[2] ?? '').matchAll(LABEL)) labels[l[1] ?? ''] = l[2] ?? ''
    out.push({ name: m[1] ?? '', labels, value: Number(m[3]) })
  }
  return out
}

/** Fetches and parses `/metrics`. */
export async function scrape(url: string, headers: Record<string, string> = {}): Promise<Sample[]> {
  const res = await fetch(url, { headers })
  if (res.status !== 200) throw new Error(`${url}: HTTP ${res.status}`)
  return parseMetrics(await res.text())
}

/** Sum of a metric's samples whose labels include `match`. */
export function sum(
  samples: readonly Sample[],
  name: string,
  match: Record<string, string> = {},
): number {
  let total = 0
  for (const s of samples) {
    if (s.name !== name) continue
    if (Object.entries(match).every(([k, v]) => s.labels[k] === v)) total += s.value
  }
  return total
}

/**
 * A quantile from a Prometheus histogram's cumulative buckets (summed over label sets), by
 * linear interpolation inside the bucket, as `histogram_quantile` does; NaN without samples.
 */
export function histogramQuantile(samples: readonly Sample[], name: string, q: number): number {
  const buckets = new Map<number, number>()
  for (const s of samples) {
    if (s.name !== `${name}_bucket`) continue
    const le = s.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(s.labels.le)
    buckets.set(le, (buckets.get(le) ?? 0) + s.value)
  }
  const sorted = [...buckets.entries()].sort((a, b) => a[0] - b[0])
  const total = sorted.at(-1)?.[1] ?? 0
  if (total === 0) return Number.NaN
  const rank = q * total
  let prevLe = 0
  let prevCount = 0
  for (const [le, count] of sorted) {
    if (count >= rank) {
      if (le === Number.POSITIVE_INFINITY) return prevLe
      return prevLe + ((le - prevLe) * (rank - prevCount)) / Math.max(count - prevCount, 1)
    }
    prevLe = le
    prevCount = count
  }
  return prevLe
}

/** The samples of `after` less those of `before` with the same name and labels (counters). */
export function delta(after: readonly Sample[], before: readonly Sample[]): Sample[] {
  const key = (s: Sample) => `${s.name}${JSON.stringify(s.labels)}`
  const was = new Map(before.map((s) => [key(s), s.value]))
  return after.map((s) => ({ ...s, value: s.value - (was.get(key(s)) ?? 0) }))
}
