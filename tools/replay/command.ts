import { createWriteStream } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { Writable } from 'node:stream'
import { finished } from 'node:stream/promises'
import { parseArgs } from 'node:util'
import { createDiagnose } from '../../actors/lifecycle/diagnosis-hook.ts'
import { parseGoDuration } from '../../config/duration.ts'
import { loadSloConfig, loadSloConfigFile } from '../../config/load.ts'
import { loadSpanConfig } from '../../config/span-config-load.ts'
import type { PodReport } from '../../protocol/pod-report.ts'
import { DEFAULT_MAX_GAP_MS, type ReplaySummary, runReplay } from './replay.ts'

export const REPLAY_USAGE = `lunettes replay --input FILE [--input FILE]... --output OUT.jsonl [options]

Reconstructs every pod's lifecycle from recorded inputs and writes one PodReport per pod UID
(JSON lines, sorted by created then uid). Formats are detected per file: audit.k8s.io Event JSON
lines, audit EventList JSON, GKE Cloud Audit Log entries (JSON lines or YAML), EKS/AKS wrapped audit
records, core/v1 and events.k8s.io Events, Pods (JSON lines, List JSON, multi-document YAML), and
a .gz of any of them.

Options:
  -i, --input FILE        input file (repeat for several; all are merged on the signal clock)
  -o, --output FILE       where to write the reports ('-' for stdout)
      --slo-config FILE   SLO config JSON (upstream lunettes-config keys plus rules/defaults/budgets);
                          default: $LUNETTES_SLO_CONFIG or $LUNETTES_SLO_CONFIG_JSON, else built-ins
      --max-gap DURATION  input silence treated as an observation gap (default 5m)
      --strict            exit 1 when any input line is malformed
      --hosts N           in-process actor hosts (default 1)
      --no-actors         leave the work to separately started 'lunettes actors --replay'
      --partitions P      signal partitions (default $LUNETTES_PARTITIONS or 32)

With NATS_URL / REDIS_URL set, signals and state go through those servers (a channel and a store
prefix of the run's own), else through the embedded bus and store.
With OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) set, every final verdict is
also exported as a trace over OTLP/HTTP protobuf (flushed before exit); LUNETTES_SPAN_CONFIG names
a span config file (upstream format) laid over the default spans.
  -h, --help              this help
`

function printSummary(summary: ReplaySummary, write: (s: string) => void): void {
  for (const input of summary.inputs) {
    const dropped = Object.entries(input.dropped)
      .map(([k, n]) => `${k}=${n}`)
      .join(' ')
    write(
      `input ${input.file}: ${input.records} records, ${input.signals} signals, ` +
        `${input.malformed} malformed${dropped ? `, dropped ${dropped}` : ''}\n`,
    )
  }
  if (summary.malformed > 0) write(`malformed lines skipped: ${summary.malformed}\n`)
  const fmt = (r: Record<string, number>) =>
    Object.entries(r)
      .sort()
      .map(([k, n]) => `${k}=${n}`)
      .join(' ') || 'none'
  write(`signals ${summary.signals} (observation gaps over the max gap: ${summary.gaps})\n`)
  write(`pods ${summary.pods}: create ${fmt(summary.create)}; delete ${fmt(summary.delete)}\n`)
}

async function writeReports(path: string, reports: readonly PodReport[]): Promise<void> {
  if (path !== '-') await mkdir(dirname(path), { recursive: true })
  const out: Writable = path === '-' ? process.stdout : createWriteStream(path)
  for (const report of reports) {
    if (!out.write(`${JSON.stringify(report)}\n`)) {
      await new Promise<void>((resolve) => out.once('drain', () => resolve()))
    }
  }
  if (out !== process.stdout) {
    out.end()
    await finished(out)
  }
}

function positiveInt(text: string, what: string): number {
  const n = Number(text)
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`${what}: expected a positive integer, got "${text}"`)
  return n
}

/** `lunettes replay`: returns the process exit code. */
export async function replayCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      input: { type: 'string', short: 'i', multiple: true },
      output: { type: 'string', short: 'o' },
      'slo-config': { type: 'string' },
      'max-gap': { type: 'string' },
      strict: { type: 'boolean', default: false },
      'no-actors': { type: 'boolean', default: false },
      hosts: { type: 'string' },
      partitions: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  })
  if (values.help) {
    process.stdout.write(REPLAY_USAGE)
    return 0
  }
  const inputs = values.input ?? []
  if (inputs.length === 0 || !values.output) {
    process.stderr.write(`lunettes replay: --input and --output are required\n\n${REPLAY_USAGE}`)
    return 2
  }
  const configPath = values['slo-config']
  const config = configPath ? loadSloConfigFile(configPath) : loadSloConfig(process.env)
  // Unknown keys (a newer upstream's) are accepted; say so rather than drop them silently.
  for (const warning of config.warnings)
    process.stderr.write(`lunettes replay: warning: ${warning}\n`)
  const maxGapMs = values['max-gap'] ? parseGoDuration(values['max-gap']) : DEFAULT_MAX_GAP_MS
  const diagnose = createDiagnose(config)
  const spanConfig = loadSpanConfig(process.env)
  let traceFailures = 0
  // The OTel SDK loads only when an endpoint is set (the rule of `otlpTraceSettings`).
  const tracing = Boolean(
    process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() ||
      process.env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim(),
  )
  const { createTraceExporter } = tracing
    ? await import('../../actors/telemetry/exporter.ts')
    : { createTraceExporter: () => null }
  const traces = createTraceExporter({
    env: process.env,
    config,
    diagnose,
    ...(spanConfig ? { spanConfig } : {}),
    log: { warn: () => traceFailures++ },
  })
  const { reports, summary } = await runReplay({
    inputs,
    config,
    maxGapMs,
    diagnose,
    ...(traces
      ? { exportTrace: (s, a) => traces.exportTrace(s, a), flushTraces: () => traces.flush() }
      : {}),
    backends: { natsUrl: process.env.NATS_URL, redisUrl: process.env.REDIS_URL },
    hosts: values['no-actors'] ? 0 : positiveInt(values.hosts ?? '1', '--hosts'),
    partitions: positiveInt(
      values.partitions ?? process.env.LUNETTES_PARTITIONS ?? '32',
      '--partitions',
    ),
    onSkip: (s) => process.stderr.write(`skipped ${s.file}:${s.line}: ${s.reason}\n`),
  })
  await traces?.shutdown()
  await writeReports(values.output, reports)
  printSummary(summary, (s) => process.stderr.write(s))
  if (traceFailures > 0) process.stderr.write(`trace export failures: ${traceFailures}\n`)
  return values.strict && summary.malformed > 0 ? 1 : 0
}
