import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { describe, it } from 'node:test'
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base'
import { Registry } from 'prom-client'
import { createDiagnose } from '../../../actors/lifecycle/diagnosis-hook.ts'
import { LATENCY_BUCKETS } from '../../../actors/runtime/host/worker-batch.ts'
import { createTraceExporter } from '../../../actors/telemetry/exporter.ts'
import { createActorMetrics } from '../../../actors/telemetry/metrics.ts'
import { DEFAULT_SLO_CONFIG } from '../../../config/slo-config.ts'
import { webhookMetrics } from '../../../gateway/webhook-metrics.ts'
import type { PodReport } from '../../../protocol/pod-report.ts'
import { runReplay } from '../../../tools/replay/replay.ts'
import { realdata } from '../../support/realdata.ts'

/** One metric family as parse-prometheus-text-format returns it (values are strings). */
interface Family {
  name: string
  type: string
  metrics: { labels?: Record<string, string>; value?: string; buckets?: Record<string, string> }[]
}
const parsePrometheus = createRequire(import.meta.url)('parse-prometheus-text-format') as (
  text: string,
) => Family[]

const config = DEFAULT_SLO_CONFIG
const diagnose = createDiagnose(config)
const METAL = [
  'events/openshift-ci-metal-2021-09-14.events.jsonl',
  'events/openshift-ci-metal-2021-09-14.pods.jsonl',
]

/** LIFECYCLE §9 metrics (the webhook counter is the gateway's, on the same kind of registry). */
const EXPECTED: Record<string, { type: string; labels: string[] }> = {
  lunettes_pod_delivery_seconds: { type: 'HISTOGRAM', labels: ['namespace', 'result'] },
  lunettes_pod_startup_sli_seconds: { type: 'HISTOGRAM', labels: ['namespace'] },
  lunettes_pod_phase_seconds: { type: 'HISTOGRAM', labels: ['phase'] },
  lunettes_pod_delete_seconds: { type: 'HISTOGRAM', labels: ['namespace', 'result'] },
  lunettes_slo_results_total: { type: 'COUNTER', labels: ['namespace', 'slo', 'result', 'code'] },
  lunettes_slo_violations_total: { type: 'COUNTER', labels: ['namespace', 'slo', 'code'] },
  lunettes_signals_total: { type: 'COUNTER', labels: ['source', 'outcome'] },
  lunettes_actors_live: { type: 'GAUGE', labels: ['partition'] },
  lunettes_consumer_lag: { type: 'GAUGE', labels: ['partition'] },
  lunettes_store_seconds: { type: 'HISTOGRAM', labels: ['op'] },
  lunettes_pipeline_latency_seconds: { type: 'HISTOGRAM', labels: [] },
  lunettes_effect_failures_total: { type: 'COUNTER', labels: ['effect'] },
  lunettes_trace_spans_total: { type: 'COUNTER', labels: ['outcome'] },
  lunettes_webhook_rejected_total: { type: 'COUNTER', labels: ['reason'] },
  lunettes_partitions_owned: { type: 'GAUGE', labels: [] },
  lunettes_partition_events_total: { type: 'COUNTER', labels: ['event'] },
}
const KUBELET_BUCKETS = [...LATENCY_BUCKETS.map(String), '+Inf'].sort()

/** Replays with the actor metrics (and a trace exporter sharing the registry) on one registry. */
async function replayWithMetrics(inputs: string[]) {
  const registry = new Registry()
  const metrics = createActorMetrics(registry)
  const exporter = createTraceExporter({
    env: {},
    config,
    registry,
    exporter: new InMemorySpanExporter(),
  })
  assert.ok(exporter)
  webhookMetrics(registry).rejected('schema', 1)
  const { reports } = await runReplay({
    inputs,
    config,
    diagnose,
    metrics,
    exportTrace: (s, a) => exporter.exportTrace(s, a),
    flushTraces: () => exporter.flush(),
  })
  await exporter.shutdown()
  const families = parsePrometheus(await registry.metrics())
  return { reports, families, registry }
}

function family(families: Family[], name: string): Family {
  const f = families.find((x) => x.name === name)
  assert.ok(f, `metric ${name} is exposed`)
  return f
}

/** Sum of a counter's samples per value of one label, filtered by others. */
function sumBy(f: Family, label: string, where: Record<string, string>): Record<string, number> {
  const out: Record<string, number> = {}
  for (const m of f.metrics) {
    const labels = m.labels ?? {}
    if (Object.entries(where).some(([k, v]) => labels[k] !== v)) continue
    const key = labels[label] ?? ''
    out[key] = (out[key] ?? 0) + Number(m.value)
  }
  return out
}

function countBy(reports: PodReport[], pick: (r: PodReport) => string | undefined) {
  const out: Record<string, number> = {}
  for (const r of reports) {
    const k = pick(r)
    if (k !== undefined) out[k] = (out[k] ?? 0) + 1
  }
  return out
}

const FINAL_CREATE = new Set(['success', 'late', 'failed', 'killed'])
const FINAL_DELETE = new Set(['success', 'late', 'timeout'])

describe('metrics (LIFECYCLE §9) as Prometheus text', () => {
  it('metal replay: every metric, the kubelet buckets, bounded labels, counts per result', async () => {
    const { reports, families } = await replayWithMetrics(METAL.map(realdata))
    for (const [name, want] of Object.entries(EXPECTED)) {
      const f = family(families, name)
      assert.equal(f.type, want.type, name)
      for (const m of f.metrics) {
        const keys = Object.keys(m.labels ?? {}).filter((k) => k !== 'le')
        for (const k of keys) assert.ok(want.labels.includes(k), `${name} label ${k}`)
      }
    }
    for (const name of [
      'lunettes_pod_delivery_seconds',
      'lunettes_pod_startup_sli_seconds',
      'lunettes_pod_phase_seconds',
    ]) {
      const f = family(families, name)
      assert.ok(f.metrics.length > 0, `${name} has samples`)
      for (const m of f.metrics)
        assert.deepEqual(Object.keys(m.buckets ?? {}).sort(), KUBELET_BUCKETS)
    }
    const pods = new Set(reports.flatMap((r) => [r.uid, r.name]))
    for (const f of families) {
      for (const m of f.metrics) {
        for (const v of Object.values(m.labels ?? {})) assert.ok(!pods.has(v), `${f.name}: ${v}`)
      }
    }
    // The in-process host took every partition and, stopping, gave every one back.
    const events = sumBy(family(families, 'lunettes_partition_events_total'), 'event', {})
    assert.deepEqual(events, { acquired: 32, released: 32 })
    assert.equal(Number(family(families, 'lunettes_partitions_owned').metrics[0]?.value), 0)
    const results = family(families, 'lunettes_slo_results_total')
    const want = countBy(reports, (r) =>
      FINAL_CREATE.has(r.slo.create.result) ? r.slo.create.result : undefined,
    )
    assert.deepEqual(sumBy(results, 'result', { slo: 'create' }), want)
    assert.deepEqual(
      want,
      { success: 202, late: 33, killed: 1 },
      'the metal data as hand-checked (56 pods are incomplete and never counted)',
    )
    const traced = sumBy(family(families, 'lunettes_trace_spans_total'), 'outcome', {})
    assert.ok((traced.exported ?? 0) > 0)
    const signals = sumBy(family(families, 'lunettes_signals_total'), 'outcome', {})
    assert.ok((signals.applied ?? 0) > 0)
    // Every folded signal was timed from the bus accepting it to its batch being acknowledged.
    const latency = family(families, 'lunettes_pipeline_latency_seconds').metrics[0]
    assert.equal(Number(latency?.buckets?.['+Inf']), signals.applied)
  })

  it('fixture replay: the delete histogram and delete results', async () => {
    const { reports, families, registry } = await replayWithMetrics([
      'test/fixtures/audit/mixed-pods.jsonl',
    ])
    const del = family(families, 'lunettes_pod_delete_seconds')
    assert.ok(del.metrics.length > 0)
    for (const m of del.metrics)
      assert.deepEqual(Object.keys(m.buckets ?? {}).sort(), KUBELET_BUCKETS)
    // The in-process host took every partition and, stopping, gave every one back.
    const events = sumBy(family(families, 'lunettes_partition_events_total'), 'event', {})
    assert.deepEqual(events, { acquired: 32, released: 32 })
    assert.equal(Number(family(families, 'lunettes_partitions_owned').metrics[0]?.value), 0)
    const results = family(families, 'lunettes_slo_results_total')
    const want = countBy(reports, (r) =>
      r.slo.delete && FINAL_DELETE.has(r.slo.delete.result) ? r.slo.delete.result : undefined,
    )
    assert.deepEqual(sumBy(results, 'result', { slo: 'delete' }), want)
    // Labelled histogram series, read through prom-client (the text parser merges them).
    const delivery = await registry.getSingleMetric('lunettes_pod_delivery_seconds')?.get()
    const counted: Record<string, number> = {}
    for (const v of delivery?.values ?? []) {
      if (!('metricName' in v) || v.metricName !== 'lunettes_pod_delivery_seconds_count') continue
      const r = String(v.labels.result)
      counted[r] = (counted[r] ?? 0) + v.value
    }
    const measured = countBy(reports, (r) =>
      FINAL_CREATE.has(r.slo.create.result) && r.sli.deliveryMs !== null
        ? r.slo.create.result
        : undefined,
    )
    assert.deepEqual(counted, measured)
  })
})
