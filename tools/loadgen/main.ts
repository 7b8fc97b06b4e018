import { createWriteStream } from 'node:fs'
import { parseArgs } from 'node:util'
import { auditLines, eventLists, generateAudit } from './cluster.ts'

const USAGE = `lunettes loadgen --pods N [--seed S] [--noise 0.7] [--spacing-ms 200]
                [--format jsonl|eventlist] --output FILE

Writes a deterministic synthetic cluster's audit stream: N pods with a mix of outcomes (success,
slow schedule, FailedScheduling then bound, image pull errors, CrashLoopBackOff, deleted before
Ready), 3-8 KB pod bodies with managedFields, and unrelated records (leases, endpoint slices,
configmaps, node heartbeats, pod reads) making up --noise of the volume. jsonl: one audit Event per
line (the log backend); eventlist: one webhook EventList body (400 items) per line.
`

/** `lunettes loadgen`: writes a synthetic audit stream (see USAGE). */
export async function loadgenCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      pods: { type: 'string' },
      seed: { type: 'string', default: '7' },
      noise: { type: 'string', default: '0.7' },
      'spacing-ms': { type: 'string', default: '200' },
      format: { type: 'string', default: 'jsonl' },
      output: { type: 'string', short: 'o' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help) {
    process.stdout.write(USAGE)
    return 0
  }
  const pods = Number(values.pods)
  const noise = Number(values.noise)
  const spacingMs = Number(values['spacing-ms'])
  const seed = Number(values.seed)
  const bad = (what: string) => {
    process.stderr.write(`lunettes loadgen: ${what}\n\n${USAGE}`)
    return 2
  }
  if (!Number.isInteger(pods) || pods < 1)
    return bad(`--pods: expected a positive integer, got ${values.pods}`)
  if (!(noise >= 0 && noise < 1))
    return bad(`--noise: expected a share in [0, 1), got ${values.noise}`)
  if (!(spacingMs > 0))
    return bad(`--spacing-ms: expected a positive number, got ${values['spacing-ms']}`)
  if (!Number.isInteger(seed)) return bad(`--seed: expected an integer, got ${values.seed}`)
  if (values.format !== 'jsonl' && values.format !== 'eventlist')
    return bad(`--format: expected jsonl or eventlist, got ${values.format}`)
  if (!values.output) return bad('--output is required')
  const g = generateAudit({ pods, seed, noise, spacingMs })
  const lines = values.format === 'jsonl' ? auditLines(g) : eventLists(g)
  const out = createWriteStream(values.output)
  for (const line of lines) {
    if (!out.write(`${line}\n`)) await new Promise<void>((r) => out.once('drain', () => r()))
  }
  await new Promise<void>((resolve, reject) =>
    out.end((err?: Error | null) => (err ? reject(err) : resolve())),
  )
  process.stderr.write(
    `lunettes loadgen: ${pods} pods, ${g.relevant} pod records + ${g.noise} noise records -> ${values.output}\n`,
  )
  return 0
}
