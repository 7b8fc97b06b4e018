import { parseArgs } from 'node:util'
import { fmtMs, fmtTime } from '../../gateway/ui/assets/dom.ts'
import { phaseBars } from '../../gateway/ui/assets/timeline.ts'
import type { DebugPodReply } from '../../protocol/queries.ts'
import {
  type ClientContext,
  clientContext,
  col,
  failed,
  get,
  paint,
  verdictColour,
} from './http.ts'

export const DEBUGPOD_USAGE = `lunettes debugpod NAME [-n NAMESPACE] [--uid UID] [--server URL] [--token T] [--json]

One pod's lifecycle from a running gateway: the phases as a timeline with durations, the SLO
verdict, the diagnosis with its evidence, the events, restarts, earlier pods of the name and the
trace link. NAME is the newest pod of that name in NAMESPACE (default "default"); --uid picks one.

  -n, --namespace NS   namespace (default "default")
      --uid UID        the pod by UID (NAME and -n are then not needed)
      --server URL     gateway URL (default $LUNETTES_SERVER, else http://127.0.0.1:8080)
      --token T        API bearer token (default $LUNETTES_TOKEN)
      --json           print the HTTP answer exactly as received
  -h, --help           this help

Colour only on a terminal, and never with NO_COLOR set.
`

type PodAnswer = DebugPodReply

const BAR = 40

/** The readable terminal report of one debugpod answer. */
export function renderPod(ctx: ClientContext, r: PodAnswer): string {
  const out: string[] = []
  const result = r.slo.create.result
  out.push(`${paint(ctx, 'bold', `${r.namespace}/${r.name}`)}  uid ${r.uid}`)
  out.push(
    `node ${r.node ?? 'not scheduled'}   owner ${r.owner ? `${r.owner.kind}/${r.owner.name}` : '—'}`,
  )
  out.push(
    `verdict ${paint(ctx, verdictColour(result), result.toUpperCase())}   delivery ${fmtMs(r.sli.deliveryMs)}` +
      `   SLO ${fmtMs(r.slo.create.thresholdMs)} (deadline ${fmtTime(r.slo.create.deadline)})`,
  )
  if (r.slo.delete) out.push(`delete ${r.slo.delete.result} ${fmtMs(r.sli.deleteMs)}`)
  const d = r.diagnosis
  if (d) {
    out.push(`diagnosis ${paint(ctx, 'bold', d.code)} (owner ${d.owner}, phase ${d.phase})`)
    out.push(`  ${d.summary}`)
    if (d.findings.length > 1) out.push(`  also matched: ${d.findings.slice(1).join(', ')}`)
  } else out.push('diagnosis none: nothing held this pod up')
  const times = Object.values(r.milestones).map((m) => Date.parse(m?.time ?? ''))
  const known = times.filter((t) => Number.isFinite(t))
  const t0 = Math.min(...known)
  const t1 = Math.max(...known, t0 + 1000)
  out.push(
    '',
    `timeline ${fmtTime(new Date(t0).toISOString())} → ${fmtTime(new Date(t1).toISOString())} (${fmtMs(t1 - t0)})`,
  )
  const fill = ctx.tty ? '█' : '#'
  const open = ctx.tty ? '░' : '.'
  for (const b of phaseBars(r, t1)) {
    const a = Math.round(((b.start - t0) / (t1 - t0)) * BAR)
    const len = Math.max(1, Math.round(((Math.min(b.end, t1) - b.start) / (t1 - t0)) * BAR))
    const bar = ' '.repeat(Math.max(0, a)) + (b.open ? open : fill).repeat(Math.min(len, BAR - a))
    const dur = b.open ? 'not reached' : `${b.approx ? '≈' : ''}${fmtMs(b.durationMs)}`
    out.push(`  ${col(b.label, 16)}|${col(bar, BAR)}| ${b.open ? paint(ctx, 'red', dur) : dur}`)
  }
  out.push('', 'milestones')
  for (const [name, m] of Object.entries(r.milestones)) {
    if (m)
      out.push(
        `  ${col(name, 20)} ${fmtTime(m.time)}  ${paint(ctx, 'dim', `${m.source}, ${m.precision}`)}`,
      )
  }
  out.push('', `evidence (${d?.evidence.length ?? 0})`)
  for (const e of d?.evidence ?? []) {
    const what = [e.reason, e.field].filter(Boolean).join(' ')
    out.push(`  ${fmtTime(e.time)} ${e.source} ${what}${e.message ? `: ${e.message}` : ''}`)
  }
  if (r.events) {
    out.push('', `events (${r.events.length})`)
    for (const e of r.events) {
      const n = e.count > 1 ? ` ×${e.count}` : ''
      const type = e.type === 'Warning' ? paint(ctx, 'yellow', 'Warning') : e.type
      out.push(
        `  ${fmtTime(e.first)} ${type} ${e.reason}${n} ${paint(ctx, 'dim', e.source)}: ${e.message}`,
      )
    }
  } else out.push('', 'events: this gateway sends no events timeline; see the evidence above')
  out.push('', `restarts ${r.restarts}`)
  if (r.history.length > 0) {
    out.push('other pods of this name')
    for (const h of r.history) out.push(`  ${h.uid}  created ${fmtTime(h.created)}  ${h.result}`)
  }
  out.push(`trace ${r.traceUrl ?? r.traceId}`)
  return `${out.join('\n')}\n`
}

/** `lunettes debugpod`: returns the exit code (0 found, 1 API error, 2 usage). */
export async function debugpodCommand(
  argv: string[],
  env: Record<string, string | undefined>,
  io: {
    out: NodeJS.WriteStream | { isTTY?: boolean; write(s: string): unknown }
    err: { write(s: string): unknown }
  } = {
    out: process.stdout,
    err: process.stderr,
  },
): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      namespace: { type: 'string', short: 'n' },
      uid: { type: 'string' },
      server: { type: 'string' },
      token: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help) {
    io.out.write(DEBUGPOD_USAGE)
    return 0
  }
  const name = positionals[0]
  if (!values.uid && (!name || positionals.length > 1)) {
    io.err.write(`lunettes debugpod: give one pod NAME (or --uid)\n\n${DEBUGPOD_USAGE}`)
    return 2
  }
  const ctx = clientContext(values, env, io.out, io.err)
  const q = values.uid
    ? new URLSearchParams({ uid: values.uid })
    : new URLSearchParams({ namespace: values.namespace ?? 'default', name: name ?? '' })
  const answer = await get(ctx, `/api/v1/debugpod?${q}`)
  if (answer.status !== 200) return failed(ctx, answer)
  if (ctx.json) {
    ctx.write(ctx.tty ? `${answer.body}\n` : answer.body)
    return 0
  }
  ctx.write(renderPod(ctx, JSON.parse(answer.body) as PodAnswer))
  return 0
}
