import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { once } from 'node:events'
import { createServer } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { Registry } from 'prom-client'
import { createDiagnose } from '../../actors/lifecycle/diagnosis-hook.ts'
import { createTraceExporter } from '../../actors/telemetry/exporter.ts'
import { DEFAULT_SLO_CONFIG } from '../../config/slo-config.ts'
import type { PodReport } from '../../protocol/pod-report.ts'
import { parseTime } from '../../protocol/time.ts'
import { runReplay } from '../../tools/replay/replay.ts'
import { type ReceivedSpan, startOtlpReceiver } from '../support/otlp-receiver.ts'
import { realdata } from '../support/realdata.ts'

const config = DEFAULT_SLO_CONFIG
const diagnose = createDiagnose(config)
const METAL = [
  'events/openshift-ci-metal-2021-09-14.events.jsonl',
  'events/openshift-ci-metal-2021-09-14.pods.jsonl',
]
const MIXED = 'test/fixtures/audit/mixed-pods.jsonl'

/** Replays inputs with the OTLP exporter configured by `env`; returns reports and the registry. */
async function replayTraced(inputs: string[], env: Record<string, string>) {
  const registry = new Registry()
  const exporter = createTraceExporter({ env, config, diagnose, registry })
  assert.ok(exporter, 'an endpoint is configured')
  const { reports } = await runReplay({
    inputs,
    config,
    diagnose,
    exportTrace: (state, action) => exporter.exportTrace(state, action),
    flushTraces: () => exporter.flush(),
  })
  await exporter.shutdown()
  return { reports, registry }
}

/** Epoch ns of a report milestone (exact: the report keeps µs where the input had them). */
function ns(report: PodReport, name: keyof PodReport['milestones']): bigint {
  const m = report.milestones[name]
  assert.ok(m, `${report.name} has no ${name}`)
  const parsed = parseTime(m.time)
  assert.ok(parsed)
  return BigInt(parsed.time) * 1000n
}

function traceOf(spans: ReceivedSpan[], traceId: string) {
  const tree = spans.filter((s) => s.traceId === traceId)
  const roots = tree.filter((s) => s.parentSpanId === '')
  assert.equal(roots.length, 1, `one root in ${traceId}`)
  const root = roots[0] as ReceivedSpan
  for (const s of tree) if (s !== root) assert.equal(s.parentSpanId, root.spanId, s.name)
  const byName = new Map(tree.map((s) => [s.name, s]))
  const span = (name: string) => {
    const s = byName.get(name)
    assert.ok(s, `span ${name} in ${[...byName.keys()].join(', ')}`)
    return s
  }
  return { root, tree, span, names: tree.map((s) => s.name).sort() }
}

function report(reports: PodReport[], uid: string): PodReport {
  const r = reports.find((x) => x.uid === uid)
  assert.ok(r, `no report for ${uid}`)
  return r
}

const idsOf = (spans: ReceivedSpan[]) =>
  spans.map((s) => `${s.traceId}/${s.spanId}/${s.name}/${s.startNanos}/${s.endNanos}`).sort()

describe('traces of replayed real pods (metal) over OTLP/HTTP protobuf', () => {
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>
  let reports: PodReport[]
  let registry: Registry

  before(async () => {
    receiver = await startOtlpReceiver()
    ;({ reports, registry } = await replayTraced(METAL.map(realdata), {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
    }))
  })
  after(() => receiver.close())

  it('exports one PodCreate trace per final verdict, with the report trace id', () => {
    assert.equal(receiver.rejected, 0)
    const final = reports.filter((r) =>
      ['success', 'late', 'failed', 'killed'].includes(r.slo.create.result),
    )
    const roots = receiver.spans.filter((s) => s.parentSpanId === '' && s.name === 'PodCreate')
    assert.equal(roots.length, final.length)
    assert.deepEqual(roots.map((s) => s.traceId).sort(), final.map((r) => r.traceId).sort())
    assert.equal(receiver.spans[0]?.resource['service.name'], 'lunettes')
  })

  it('certified-operators-tqzlc: late, the tree on the milestones (µs where the input had them)', () => {
    const r = report(reports, '7320b81d-3c8c-4c88-b7b5-fd6abfced617')
    assert.equal(r.traceId, '7320b81d3c8c4c88b7b5fd6abfced617')
    const { root, span, names } = traceOf(receiver.spans, r.traceId)
    const image = 'image_pull:registry.redhat.io/redhat/certified-operator-index:v4.9'
    assert.deepEqual(names, [
      'PodCreate',
      'container_start:registry-server',
      image,
      'node_setup',
      'readiness',
      'schedule',
    ])
    assert.equal(root.name, 'PodCreate')
    assert.equal(root.startNanos, ns(r, 'created'))
    assert.equal(root.endNanos, ns(r, 'ready'))
    assert.equal(span('schedule').startNanos, ns(r, 'created'))
    assert.equal(span('schedule').endNanos, ns(r, 'scheduled'))
    assert.equal(span('schedule').endNanos, 1_631_629_634_132_874_000n, 'µs kept')
    assert.equal(span('node_setup').startNanos, ns(r, 'scheduled'))
    assert.equal(span('node_setup').endNanos, ns(r, 'sandboxReady'))
    assert.equal(span('container_start:registry-server').endNanos, ns(r, 'containersStarted'))
    assert.equal(span('readiness').startNanos, ns(r, 'containersStarted'))
    assert.equal(span('readiness').endNanos, ns(r, 'ready'))
    const pull = span(image)
    assert.equal((pull.endNanos - pull.startNanos) / 1_000_000n, BigInt(r.phases.imagePull ?? -1))
    assert.equal(root.attributes['k8s.pod.uid'], r.uid)
    assert.equal(root.attributes['k8s.pod.name'], 'certified-operators-tqzlc')
    assert.equal(root.attributes['k8s.namespace.name'], 'openshift-marketplace')
    assert.equal(root.attributes['k8s.node.name'], r.node)
    assert.equal(root.attributes['lunettes.owner.kind'], 'CatalogSource')
    assert.equal(root.attributes['lunettes.slo.result'], 'late')
    assert.equal(root.attributes['lunettes.slo.threshold_ms'], r.slo.create.thresholdMs)
    assert.ok(r.diagnosis)
    assert.equal(root.attributes['lunettes.diagnosis.code'], r.diagnosis.code)
    assert.deepEqual(root.status, { code: 2, message: r.diagnosis.code })
    const scheduled = root.events.find((e) => e.name === 'Scheduled')
    assert.equal(scheduled?.timeNanos, ns(r, 'scheduled'))
    assert.equal(scheduled?.attributes.component, 'default-scheduler')
    const failed = root.events.filter((e) => e.name === 'FailedScheduling')
    assert.ok(failed.length >= 2)
    assert.equal(failed[0]?.attributes.type, 'Warning')
    assert.match(String(failed[0]?.attributes.message), /didn't tolerate/)
    assert.equal(typeof failed[0]?.attributes.count, 'number')
  })

  it('sdn-controller-z7sjl: success, status OK, the DaemonSet owner', () => {
    const r = report(reports, '1c0f3211-d560-4fba-a83a-e20d3e834a63')
    const { root, span } = traceOf(receiver.spans, r.traceId)
    assert.equal(r.traceId, '1c0f3211d5604fbaa83ae20d3e834a63')
    assert.equal(root.status.code, 1)
    assert.equal(root.attributes['lunettes.slo.result'], 'success')
    assert.equal(root.attributes['k8s.daemonset.name'], 'sdn-controller')
    assert.equal(root.startNanos, ns(r, 'created'))
    assert.equal(root.endNanos, ns(r, 'ready'))
    assert.equal(span('container_start:sdn-controller').endNanos, ns(r, 'containersStarted'))
    assert.ok(root.events.some((e) => e.name === 'Pulling'))
  })

  it('counts the exported spans and no failure', async () => {
    const text = await registry.metrics()
    assert.match(
      text,
      new RegExp(`lunettes_trace_spans_total\\{outcome="exported"\\} ${receiver.spans.length}\\b`),
    )
    assert.doesNotMatch(text, /lunettes_effect_failures_total\{effect="trace"\}/)
  })

  it('replaying again yields identical trace and span ids (and times)', async () => {
    const again = await startOtlpReceiver()
    try {
      await replayTraced(METAL.map(realdata), { OTEL_EXPORTER_OTLP_ENDPOINT: again.endpoint })
      assert.deepEqual(idsOf(again.spans), idsOf(receiver.spans))
    } finally {
      await again.close()
    }
  })

  it('with an unreachable endpoint every report is still produced and failures are counted', async () => {
    const closed = createServer().listen(0, '127.0.0.1')
    await once(closed, 'listening')
    const { port } = closed.address() as { port: number }
    await new Promise<void>((resolve) => closed.close(() => resolve()))
    const run = await replayTraced(METAL.map(realdata), {
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `http://127.0.0.1:${port}/v1/traces`,
      OTEL_EXPORTER_OTLP_TIMEOUT: '300',
    })
    assert.deepEqual(run.reports, reports)
    const failures = await run.registry.getSingleMetric('lunettes_effect_failures_total')?.get()
    const traces = failures?.values.find((v) => v.labels.effect === 'trace')?.value ?? 0
    const roots = receiver.spans.filter((s) => s.parentSpanId === '').length
    assert.ok(traces >= roots, `${traces} trace failures counted for ${roots} traces`)
    const spans = await run.registry.getSingleMetric('lunettes_trace_spans_total')?.get()
    const failed = spans?.values.find((v) => v.labels.outcome === 'failed')?.value
    assert.equal(failed, receiver.spans.length)
  })
})

describe('traces of the audit fixtures (µs times)', () => {
  it('the happy pod: PodCreate and PodDelete on the report milestones to the microsecond', async () => {
    const receiver = await startOtlpReceiver()
    try {
      const { reports } = await replayTraced([MIXED], {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      })
      const r = report(reports, '5f0c8a52-3b1e-4c47-9a7d-2e6b8f1c0a11')
      const create = traceOf(receiver.spans, '5f0c8a523b1e4c479a7d2e6b8f1c0a11')
      assert.deepEqual(create.names, [
        'PodCreate',
        'container_start:app',
        'image_pull:nginx:1.25.3',
        'node_setup',
        'readiness',
        'schedule',
      ])
      assert.equal(create.root.startNanos, ns(r, 'created'))
      assert.equal(create.root.startNanos % 1_000_000_000n, 120_731_000n)
      assert.equal(create.root.endNanos, ns(r, 'ready'))
      assert.equal(create.span('schedule').endNanos, ns(r, 'scheduled'))
      assert.equal(create.span('readiness').startNanos, ns(r, 'containersStarted'))
      assert.equal(create.root.attributes['k8s.replicaset.name'], 'web-7d9f8c6b5d')
      assert.equal(create.root.attributes['k8s.deployment.name'], 'web')
      const delId = createHash('sha256').update(`${r.uid}:PodDelete`).digest('hex').slice(0, 32)
      const del = traceOf(receiver.spans, delId)
      assert.deepEqual(del.names, ['PodDelete', 'graceful_stop'])
      assert.equal(del.root.startNanos, ns(r, 'deleteRequested'))
      assert.equal(del.root.endNanos, ns(r, 'deleted'))
      assert.equal(del.root.attributes['lunettes.slo.result'], r.slo.delete?.result)
      assert.equal(del.span('graceful_stop').startNanos, ns(r, 'deleteRequested'))
      const failedPods = reports.filter((x) => x.slo.create.result === 'failed')
      for (const f of failedPods) {
        const t = traceOf(receiver.spans, f.traceId)
        assert.equal(t.root.status.code, 2, f.name)
        assert.equal(t.root.status.message, f.diagnosis?.code ?? 'PodCreate failed')
      }
    } finally {
      await receiver.close()
    }
  })
})
