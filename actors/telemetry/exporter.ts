import type { Context } from '@opentelemetry/api'
import { type ExportResult, ExportResultCode } from '@opentelemetry/core'
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto'
import { resourceFromAttributes } from '@opentelemetry/resources'
import {
  AlwaysOnSampler,
  BasicTracerProvider,
  BatchSpanProcessor,
  type ReadableSpan,
  type Span,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base'
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions'
import { Counter, type Registry } from 'prom-client'
import type { SloConfig } from '../../config/slo-config.ts'
import type { SpanConfig } from '../../config/span-config.ts'
import type { Diagnose } from '../lifecycle/decide.ts'
import type { PodState } from '../lifecycle/pod-state.ts'
import { PlannedIds } from './planned-ids.ts'
import { ATTR_K8S_CLUSTER_NAME } from './semconv.ts'
import { createSpanMetrics } from './span-metrics.ts'
import type { TraceAction } from './span-plan.ts'
import { buildTrace, emitTrace } from './spans.ts'

type Env = Readonly<Record<string, string | undefined>>

/** Where and how to send traces, from the standard OTLP variables. */
export interface OtlpTraceSettings {
  url: string
  headers: Record<string, string>
  timeoutMillis: number
}

/** `k=v,k2=v2` (values URL-encoded) as the OTLP spec writes headers. */
function parseHeaders(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {}
  for (const pair of (text ?? '').split(',')) {
    const i = pair.indexOf('=')
    if (i <= 0) continue
    out[decodeURIComponent(pair.slice(0, i).trim())] = decodeURIComponent(pair.slice(i + 1).trim())
  }
  return out
}

/**
 * The OTLP/HTTP trace settings of the environment: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` as is, or
 * `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/traces`; headers from `OTEL_EXPORTER_OTLP_HEADERS` overlaid
 * with `OTEL_EXPORTER_OTLP_TRACES_HEADERS`; timeout (ms) from `…_TRACES_TIMEOUT`, `…_TIMEOUT`, else
 * 10 s. Null when no endpoint is set (tracing off).
 */
export function otlpTraceSettings(env: Env): OtlpTraceSettings | null {
  const signal = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim()
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim()
  const url = signal || (base ? `${base.replace(/\/+$/, '')}/v1/traces` : '')
  if (!url) return null
  const timeout = Number(env.OTEL_EXPORTER_OTLP_TRACES_TIMEOUT || env.OTEL_EXPORTER_OTLP_TIMEOUT)
  return {
    url,
    headers: {
      ...parseHeaders(env.OTEL_EXPORTER_OTLP_HEADERS),
      ...parseHeaders(env.OTEL_EXPORTER_OTLP_TRACES_HEADERS),
    },
    timeoutMillis: Number.isFinite(timeout) && timeout > 0 ? timeout : 10_000,
  }
}

/** Logger subset the exporter needs. */
export interface TraceLog {
  warn(obj: object, msg: string): void
}

export interface TraceExporterOptions {
  env: Env
  config: SloConfig
  /** Diagnosis of PodCreate verdicts (its code goes on the trace); default none. */
  diagnose?: Diagnose
  spanConfig?: SpanConfig
  /** Failures are counted here (`lunettes_effect_failures_total{effect="trace"}`). */
  registry?: Registry
  log?: TraceLog
  /** Replaces the OTLP exporter (tests); the endpoint variables are then not needed. */
  exporter?: SpanExporter
  /** Spans waiting for export at most (default 65,536); past it new spans are dropped, counted. */
  maxQueueSpans?: number
  /** Distinct `extra` labels of `lunettes_span_duration_seconds` before `other` (default 200). */
  maxSpanExtras?: number
}

/** Exports finished lifecycle actions as traces; never throws into its caller. */
export interface TraceExporter {
  exportTrace(state: PodState, action: TraceAction): Promise<void>
  /** Sends everything queued; failures are counted and logged, not thrown. */
  flush(): Promise<void>
  /** Flushes, then stops. */
  shutdown(): Promise<void>
}

function counter(registry: Registry | undefined, name: string, help: string, labels: string[]) {
  const found = registry?.getSingleMetric(name)
  if (found instanceof Counter) return found as Counter<string>
  return new Counter({ name, help, labelNames: labels, registers: registry ? [registry] : [] })
}

/** Counts what the wrapped exporter sent or lost; the wrapped one does the work. */
class CountingExporter implements SpanExporter {
  readonly #inner: SpanExporter
  readonly #onResult: (spans: ReadableSpan[], result: ExportResult) => void

  constructor(inner: SpanExporter, onResult: (spans: ReadableSpan[], r: ExportResult) => void) {
    this.#inner = inner
    this.#onResult = onResult
  }

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.#inner.export(spans, (result) => {
      this.#onResult(spans, result)
      done(result)
    })
  }

  shutdown(): Promise<void> {
    return this.#inner.shutdown()
  }

  forceFlush(): Promise<void> {
    return this.#inner.forceFlush?.() ?? Promise.resolve()
  }
}

/**
 * Keeps count of the spans handed on and not yet exported, and past `max` drops a span itself,
 * counted (the SDK's batch processor would drop it silently at the same limit).
 */
class BoundedProcessor implements SpanProcessor {
  readonly #inner: SpanProcessor
  readonly #max: number
  readonly #onDrop: () => void
  #pending = 0

  constructor(inner: SpanProcessor, max: number, onDrop: () => void) {
    this.#inner = inner
    this.#max = max
    this.#onDrop = onDrop
  }

  /** The exporter finished with `n` spans (sent or failed): room for as many. */
  settled(n: number): void {
    this.#pending = Math.max(0, this.#pending - n)
  }

  onStart(span: Span, context: Context): void {
    this.#inner.onStart(span, context)
  }

  onEnd(span: ReadableSpan): void {
    if (this.#pending >= this.#max) {
      this.#onDrop()
      return
    }
    this.#pending++
    this.#inner.onEnd(span)
  }

  forceFlush(): Promise<void> {
    return this.#inner.forceFlush()
  }

  shutdown(): Promise<void> {
    return this.#inner.shutdown()
  }
}

const silent: TraceLog = { warn() {} }

/**
 * Wires the OTel SDK for lifecycle traces (LIFECYCLE §7): a tracer provider whose id generator
 * hands out the planned deterministic ids, a BatchSpanProcessor and the OTLP/HTTP protobuf
 * exporter. Export failures are counted (`lunettes_effect_failures_total{effect="trace"}`, one per
 * trace lost; `lunettes_trace_spans_total{outcome}`) and logged, never thrown. Returns null when no
 * OTLP endpoint is configured and no exporter is given.
 */
export function createTraceExporter(opts: TraceExporterOptions): TraceExporter | null {
  const settings = otlpTraceSettings(opts.env)
  if (!settings && !opts.exporter) return null
  const log = opts.log ?? silent
  const failures = counter(
    opts.registry,
    'lunettes_effect_failures_total',
    'Effects (alert publish, trace export) that failed and will be retried or were dropped.',
    ['effect'],
  )
  const spansTotal = counter(
    opts.registry,
    'lunettes_trace_spans_total',
    'Trace spans by outcome: exported, failed (the exporter gave up), dropped (export queue full).',
    ['outcome'],
  )
  const inner = opts.exporter ?? new OTLPTraceExporter(settings ?? {})
  const exporter = new CountingExporter(inner, (spans, result) => {
    bounded.settled(spans.length)
    if (result.code === ExportResultCode.SUCCESS) {
      spansTotal.inc({ outcome: 'exported' }, spans.length)
      return
    }
    const traces = new Set(spans.map((s) => s.spanContext().traceId)).size
    spansTotal.inc({ outcome: 'failed' }, spans.length)
    failures.inc({ effect: 'trace' }, traces)
    log.warn({ err: result.error, spans: spans.length, traces }, 'trace export failed')
  })
  const maxQueueSize = opts.maxQueueSpans ?? 65_536
  let dropWarned = false
  const batch = new BatchSpanProcessor(exporter, {
    maxQueueSize,
    maxExportBatchSize: Math.min(512, maxQueueSize),
    scheduledDelayMillis: 1000,
    exportTimeoutMillis: (settings?.timeoutMillis ?? 10_000) + 5000,
  })
  const bounded = new BoundedProcessor(batch, maxQueueSize, () => {
    spansTotal.inc({ outcome: 'dropped' })
    if (dropWarned) return
    dropWarned = true
    log.warn({ maxQueueSize }, 'trace export queue full: dropping spans (counted as dropped)')
  })
  const ids = new PlannedIds()
  const clusterName = opts.env.LUNETTES_CLUSTER_NAME || undefined
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: opts.env.OTEL_SERVICE_NAME || 'lunettes',
      ...(clusterName ? { [ATTR_K8S_CLUSTER_NAME]: clusterName } : {}),
    }),
    idGenerator: ids,
    sampler: new AlwaysOnSampler(),
    spanLimits: { eventCountLimit: 1024, attributeCountLimit: 256 },
    spanProcessors: [bounded],
  })
  const tracer = provider.getTracer('lunettes')
  const diagnose = opts.diagnose ?? (() => null)
  const spanMetrics = createSpanMetrics(
    opts.registry,
    opts.maxSpanExtras === undefined ? {} : { maxExtras: opts.maxSpanExtras },
  )

  async function settle(what: string, work: Promise<void>): Promise<void> {
    try {
      await work
    } catch (err: unknown) {
      log.warn({ err }, `trace ${what} failed`)
    }
  }

  return {
    async exportTrace(state, action) {
      try {
        const slo = action === 'PodCreate' ? state.slo.create : state.slo.delete
        const result = slo?.result ?? 'pending'
        const now = state.lastSignal
        const diagnosis = action === 'PodCreate' ? diagnose(state, now, result) : null
        const plan = buildTrace(state, action, {
          config: opts.config,
          diagnosis,
          ...(clusterName ? { clusterName } : {}),
          ...(opts.spanConfig ? { spanConfig: opts.spanConfig } : {}),
        })
        emitTrace(tracer, ids, plan)
        spanMetrics.observe(plan)
      } catch (err: unknown) {
        // Telemetry never breaks the pipeline: counted, logged, dropped.
        failures.inc({ effect: 'trace' })
        log.warn({ err, uid: state.uid, action }, 'trace could not be built')
      }
    },
    flush: () => settle('flush', provider.forceFlush()),
    shutdown: () => settle('shutdown', provider.shutdown()),
  }
}
