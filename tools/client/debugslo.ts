import { parseArgs } from 'node:util'
import { parseGoDuration } from '../../config/duration.ts'
import { fmtMs, fmtTime } from '../../gateway/ui/assets/dom.ts'
import type { DebugSloReply, SloPod } from '../../protocol/queries.ts'
import {
  type ClientContext,
  clientContext,
  col,
  failed,
  get,
  paint,
  verdictColour,
} from './http.ts'

export const DEBUGSLO_USAGE = `lunettes debugslo [-n NAMESPACE] [--since 1h | --from T --to T] [options]

The SLO picture of a window from a running gateway: counts by result and by diagnosis code,
latency p50/p90/p99, and the worst pods as a table.

  -n, --namespace NS   one namespace (default: all)
      --since DUR      window ending now, Go duration (default 24h)
      --from T, --to T window as RFC 3339 times (instead of --since)
      --type T         create (default) or delete SLO
      --result R       only pods with this result (success, late, failed, killed, …)
      --code C         only pods with this diagnosis code
      --top N          worst pods to list (default 20)
      --server URL     gateway URL (default $LUNETTES_SERVER, else http://127.0.0.1:8080)
      --token T        API bearer token (default $LUNETTES_TOKEN)
      --json           print the HTTP answer exactly as received
  -h, --help           this help
`

function counts(
  ctx: ClientContext,
  byKey: Record<string, number>,
  total: number,
  verdicts: boolean,
) {
  const rows = Object.entries(byKey).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
  if (rows.length === 0) return ['  none']
  return rows.map(([k, n]) => {
    const pct = total ? ((n / total) * 100).toFixed(1) : '0.0'
    const label = verdicts ? paint(ctx, verdictColour(k), col(k, 34)) : col(k, 34)
    return `  ${label} ${String(n).padStart(6)}  ${pct.padStart(5)}%`
  })
}

/** The readable terminal report of one debugslo answer. */
export function renderSlo(
  ctx: ClientContext,
  r: DebugSloReply,
  scope: string,
  top: number,
): string {
  const out: string[] = []
  out.push(
    `${r.type} SLO, ${scope}, ${fmtTime(r.from)} → ${fmtTime(r.to)}: ${paint(ctx, 'bold', String(r.counts.total))} finished pods`,
  )
  const { p50, p90, p99 } = r.latencyMs
  const how =
    r.percentiles.method === 'exact'
      ? 'exact'
      : `interpolated, ±${r.percentiles.errorBoundMs === null ? '?' : fmtMs(r.percentiles.errorBoundMs)}`
  out.push(`latency p50 ${fmtMs(p50)}   p90 ${fmtMs(p90)}   p99 ${fmtMs(p99)}   (${how})`)
  out.push('', 'results', ...counts(ctx, r.counts.byResult, r.counts.total, true))
  out.push('', 'diagnosis codes', ...counts(ctx, r.counts.byCode, r.counts.total, false))
  const latency = (p: SloPod) => (r.type === 'create' ? p.deliveryMs : p.deleteMs) ?? -1
  const worst = [...r.pods].sort((a, b) => latency(b) - latency(a)).slice(0, top)
  out.push(
    '',
    `worst pods (${worst.length} of ${r.pods.length} listed${r.next !== null ? ', more matched' : ''})`,
  )
  out.push(
    `  ${col('NAMESPACE/NAME', 56)} ${col('RESULT', 10)} ${col('CODE', 32)} ${'LATENCY'.padStart(9)}  FINISHED`,
  )
  for (const p of worst) {
    out.push(
      `  ${col(`${p.namespace}/${p.name}`, 56)} ${paint(ctx, verdictColour(p.result), col(p.result, 10))} ${col(p.code ?? '—', 32)} ${fmtMs(latency(p) < 0 ? null : latency(p)).padStart(9)}  ${fmtTime(p.finished)}`,
    )
  }
  return `${out.join('\n')}\n`
}

/** `lunettes debugslo`: returns the exit code (0 answered, 1 API error, 2 usage). */
export async function debugsloCommand(
  argv: string[],
  env: Record<string, string | undefined>,
  io: {
    out: { isTTY?: boolean; write(s: string): unknown }
    err: { write(s: string): unknown }
  } = {
    out: process.stdout,
    err: process.stderr,
  },
  now: () => number = Date.now,
): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      namespace: { type: 'string', short: 'n' },
      since: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      type: { type: 'string' },
      result: { type: 'string' },
      code: { type: 'string' },
      top: { type: 'string' },
      server: { type: 'string' },
      token: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help) {
    io.out.write(DEBUGSLO_USAGE)
    return 0
  }
  if (values.since && (values.from || values.to)) {
    io.err.write('lunettes debugslo: give --since or --from/--to, not both\n')
    return 2
  }
  const top = Number(values.top ?? 20)
  if (!Number.isInteger(top) || top < 0) {
    io.err.write(`lunettes debugslo: --top: expected a whole number, got "${values.top}"\n`)
    return 2
  }
  const q = new URLSearchParams({ limit: '5000' })
  if (values.from || values.to) {
    if (values.from) q.set('from', values.from)
    if (values.to) q.set('to', values.to)
  } else {
    let span: number
    try {
      span = parseGoDuration(values.since ?? '24h')
    } catch (err: unknown) {
      io.err.write(
        `lunettes debugslo: --since: ${err instanceof Error ? err.message : String(err)}\n`,
      )
      return 2
    }
    q.set('from', new Date(now() - span).toISOString())
    q.set('to', new Date(now()).toISOString())
  }
  for (const k of ['namespace', 'type', 'result', 'code'] as const) {
    const v = values[k]
    if (v) q.set(k, v)
  }
  const ctx = clientContext(values, env, io.out, io.err)
  const answer = await get(ctx, `/api/v1/debugslo?${q}`)
  if (answer.status !== 200) return failed(ctx, answer)
  if (ctx.json) {
    ctx.write(ctx.tty ? `${answer.body}\n` : answer.body)
    return 0
  }
  const scope = values.namespace ? `namespace ${values.namespace}` : 'all namespaces'
  ctx.write(renderSlo(ctx, JSON.parse(answer.body) as DebugSloReply, scope, top))
  return 0
}
