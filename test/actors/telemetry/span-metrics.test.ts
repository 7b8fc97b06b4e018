import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base'
import { Registry } from 'prom-client'
import { createDiagnose } from '../../../actors/lifecycle/diagnosis-hook.ts'
import { initialState } from '../../../actors/lifecycle/pod-state.ts'
import { createTraceExporter } from '../../../actors/telemetry/exporter.ts'
import { METRIC_EXTRA_VALUE_CAP, metricExtra } from '../../../actors/telemetry/span-attributes.ts'
import { createSpanMetrics, SPAN_DURATION_METRIC } from '../../../actors/telemetry/span-metrics.ts'
import type { SpanPlan } from '../../../actors/telemetry/span-plan.ts'
import { DEFAULT_SLO_CONFIG } from '../../../config/slo-config.ts'
import { parseSpanConfig } from '../../../config/span-config.ts'
import { runReplay } from '../../../tools/replay/replay.ts'

const config = DEFAULT_SLO_CONFIG
const HAPPY = 'test/fixtures/audit/happy-pod.jsonl' // one pod, labels app=web, pod-template-hash

/** A PodCreate entry with two ExtraProperties: `app` counted on the metric, `hash` not. */
const spanConfig = parseSpanConfig([
  {
    ObjectRef: { Resource: 'pods', Name: 'PodSpans', APIVersion: 'v1' },
    ActionType: 'PodCreate',
    ExtraProperties: {
      app: { Name: '', ValueRex: 'metadata#labels#app', NeedMetric: true },
      hash: { Name: '', ValueRex: 'metadata#labels#pod-template-hash', NeedMetric: false },
    },
    Spans: [
      {
        Name: 'create_to_ready',
        Type: 'create_to_ready',
        Mode: 'start-finish',
        StartEvent: [{ Type: 'operation', Operation: 'pod:create:success' }],
        EndEvent: [{ Type: 'operation', Operation: 'condition:Ready:true' }],
      },
    ],
  },
])

interface Sample {
  labels: Record<string, string | number>
  value: number
  metricName?: string
}

async function samples(registry: Registry): Promise<Sample[]> {
  const metric = registry.getSingleMetric(SPAN_DURATION_METRIC)
  assert.ok(metric, `${SPAN_DURATION_METRIC} is registered`)
  return (await metric.get()).values as Sample[]
}

/** `_count` per `span|extra`. */
function counts(values: Sample[]): Record<string, number> {
  const out: Record<string, number> = {}
  for (const v of values) {
    if (v.metricName !== `${SPAN_DURATION_METRIC}_count`) continue
    out[`${v.labels.span}|${v.labels.extra}`] = v.value
  }
  return out
}

describe('lunettes_span_duration_seconds (NeedMetric ExtraProperties)', () => {
  it('replay of a fixture pod: each exported span observed once, extra="app=web", hash absent', async () => {
    const registry = new Registry()
    const memory = new InMemorySpanExporter()
    const exporter = createTraceExporter({
      env: {},
      config,
      diagnose: createDiagnose(config),
      spanConfig,
      registry,
      exporter: memory,
    })
    assert.ok(exporter)
    await runReplay({
      inputs: [HAPPY],
      config,
      exportTrace: (s, a) => exporter.exportTrace(s, a),
      flushTraces: () => exporter.flush(),
    })
    await exporter.flush()
    const exported = memory.getFinishedSpans()
    const values = await samples(registry)
    const byKey = counts(values)
    assert.equal(byKey['PodCreate|app=web'], 1, JSON.stringify(byKey))
    assert.equal(byKey['create_to_ready|app=web'], 1, JSON.stringify(byKey))
    // Every exported span is observed once (PodDelete has no extras: its extra is '').
    const total = Object.values(byKey).reduce((x, y) => x + y, 0)
    assert.equal(total, exported.length, JSON.stringify(byKey))
    for (const v of values) {
      assert.ok(
        !String(v.labels.extra).includes('hash'),
        `NeedMetric false left out: ${v.labels.extra}`,
      )
      assert.ok(!String(v.labels.extra).includes('7d9f8c6b5d'))
    }
    // The observed duration is the span's own: create_to_ready's sum equals its exported length.
    const ready = exported.find((s) => s.name === 'create_to_ready')
    assert.ok(ready)
    const seconds = ready.duration[0] + ready.duration[1] / 1e9
    const sum = values.find(
      (v) => v.metricName === `${SPAN_DURATION_METRIC}_sum` && v.labels.span === 'create_to_ready',
    )
    assert.ok(sum)
    assert.ok(Math.abs(sum.value - seconds) < 1e-6, `${sum.value} vs ${seconds}`)
    assert.ok(seconds > 0)
    await exporter.shutdown()
  })

  it('caps distinct extra values: the first ones keep theirs, later ones are other', async () => {
    const registry = new Registry()
    const metrics = createSpanMetrics(registry, { maxExtras: 2 })
    const plan = (extra: string): SpanPlan => ({
      action: 'PodCreate',
      traceId: `${'0'.repeat(31)}1`,
      extra,
      spans: [
        {
          name: 'PodCreate',
          rule: 'PodCreate',
          spanId: `${'0'.repeat(15)}1`,
          parentSpanId: null,
          start: { t: 1_000_000, p: 'us' },
          end: { t: 3_500_000, p: 'us' },
          attributes: {},
          events: [],
          status: { code: 'ok' },
        },
      ],
    })
    for (const extra of ['app=a', 'app=b', 'app=c', 'app=a', 'app=d']) metrics.observe(plan(extra))
    assert.deepEqual(counts(await samples(registry)), {
      'PodCreate|app=a': 2,
      'PodCreate|app=b': 1,
      'PodCreate|other': 2,
    })
    const sum = (await samples(registry)).find(
      (v) => v.metricName === `${SPAN_DURATION_METRIC}_sum` && v.labels.extra === 'app=b',
    )
    assert.equal(sum?.value, 2.5)
  })

  it('extra label: NeedMetric pairs in config order, values cut to 63 characters, missing skipped', () => {
    const state = initialState('uid-1', 'ns', 'p')
    state.facts = { labels: { app: 'x'.repeat(100), tier: 'db', team: 'core' } }
    const extras = [
      { key: 'tier', path: ['metadata', 'labels', 'tier'], needMetric: true },
      { key: 'team', path: ['metadata', 'labels', 'team'], needMetric: false },
      { key: 'gone', path: ['metadata', 'labels', 'gone'], needMetric: true },
      { key: 'app', path: ['metadata', 'labels', 'app'], needMetric: true },
    ]
    assert.equal(metricExtra(state, extras), `tier=db,app=${'x'.repeat(METRIC_EXTRA_VALUE_CAP)}`)
    assert.equal(metricExtra(state, extras.slice(1, 2)), '')
  })
})
