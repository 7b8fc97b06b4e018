import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { type ExportResult, ExportResultCode } from '@opentelemetry/core'
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base'
import { Registry } from 'prom-client'
import { initialState, type PodState } from '../../../actors/lifecycle/pod-state.ts'
import { createTraceExporter } from '../../../actors/telemetry/exporter.ts'
import { DEFAULT_SLO_CONFIG } from '../../../config/slo-config.ts'
import { parseTime } from '../../../protocol/time.ts'

/** A test double for a Jaeger that stalls: it answers no export until `release()`. */
class StallingExporter implements SpanExporter {
  readonly held: { spans: ReadableSpan[]; done: (r: ExportResult) => void }[] = []
  received = 0
  export(spans: ReadableSpan[], done: (r: ExportResult) => void): void {
    this.received += spans.length
    this.held.push({ spans, done })
  }
  release(): void {
    for (const h of this.held.splice(0)) h.done({ code: ExportResultCode.SUCCESS })
  }
  async shutdown(): Promise<void> {
    this.release()
  }
  async forceFlush(): Promise<void> {}
}

function readyPod(i: number): PodState {
  const uid = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`
  const s = initialState(uid, 'shop', `web-${i}`)
  const t = parseTime('2024-05-14T09:00:00.000001Z')?.time ?? 0
  s.ms.created = { t, p: 'us', s: 'audit' }
  s.ms.ready = { t: t + 2_000_000, p: 'us', s: 'audit' }
  s.slo.create = { result: 'success', thresholdMs: 480_000, violatedAt: null, final: true }
  s.lastSignal = t + 2_000_000
  return s
}

async function spans(registry: Registry): Promise<Record<string, number>> {
  const metric = await registry.getSingleMetric('lunettes_trace_spans_total')?.get()
  return Object.fromEntries((metric?.values ?? []).map((v) => [String(v.labels.outcome), v.value]))
}

describe('trace export queue', () => {
  it('past the queue limit spans are dropped and counted, not lost silently (test double: stalled exporter)', async () => {
    const registry = new Registry()
    const inner = new StallingExporter()
    const warnings: string[] = []
    const exporter = createTraceExporter({
      env: {},
      config: DEFAULT_SLO_CONFIG,
      registry,
      exporter: inner,
      maxQueueSpans: 8,
      log: { warn: (_o, msg) => warnings.push(msg) },
    })
    assert.ok(exporter)
    for (let i = 0; i < 20; i++) await exporter.exportTrace(readyPod(i), 'PodCreate')
    const stalled = await spans(registry)
    assert.ok((stalled.dropped ?? 0) > 0, 'spans past the limit are counted as dropped')
    assert.equal(warnings.filter((w) => /queue full/.test(w)).length, 1, 'warned once')
    // Jaeger answers again: what was queued goes out, and there is room for new spans.
    const flushing = exporter.flush()
    inner.release()
    await flushing
    inner.release()
    const before = stalled.dropped ?? 0
    await exporter.exportTrace(readyPod(99), 'PodCreate')
    const flushed = exporter.flush()
    inner.release()
    await flushed
    inner.release()
    const after = await spans(registry)
    assert.equal(after.dropped, before, 'nothing dropped once the queue drained')
    assert.equal((after.exported ?? 0) + (after.dropped ?? 0), inner.received + before)
    await exporter.shutdown()
  })
})
