import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { describe, it } from 'node:test'
import { SpanStatusCode } from '@opentelemetry/api'
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base'
import { initialState, type PodState } from '../../../actors/lifecycle/pod-state.ts'
import { PlannedIds } from '../../../actors/telemetry/planned-ids.ts'
import { sha256Hex } from '../../../actors/telemetry/sha256.ts'
import { spanIdOf, toHrTime, traceIdOf } from '../../../actors/telemetry/span-plan.ts'
import { buildTrace, emitTrace } from '../../../actors/telemetry/spans.ts'
import { DEFAULT_SLO_CONFIG } from '../../../config/slo-config.ts'
import type { ReportDiagnosis } from '../../../protocol/pod-report.ts'
import { parseTime } from '../../../protocol/time.ts'

const UID = '5f0c8a52-3b1e-4c47-9a7d-2e6b8f1c0a11'
const t = (iso: string) => parseTime(iso)?.time ?? Number.NaN
const us = (iso: string) => ({ t: t(iso), p: 'us' as const, s: 'audit' as const })

/** A Deployment pod with two containers and two images, Ready 8.2 s after creation. */
function deliveredPod(result = 'success'): PodState {
  const s = initialState(UID, 'default', 'web-7d9f8c6b5d-x2x7k')
  s.facts = {
    owner: { kind: 'ReplicaSet', name: 'web-7d9f8c6b5d' },
    labels: { app: 'web', 'pod-template-hash': '7d9f8c6b5d' },
    nodeName: 'worker-1',
    restartPolicy: 'Always',
    containers: [
      { name: 'app', image: 'nginx:1.25.3' },
      { name: 'proxy', image: 'envoy:1.30' },
    ],
  }
  s.bound = true
  s.seenObject = true
  s.ms.created = us('2024-05-14T09:00:00.120731Z')
  s.ms.scheduled = us('2024-05-14T09:00:00.233412Z')
  s.ms.sandboxReady = us('2024-05-14T09:00:01.502100Z')
  s.ms.ready = us('2024-05-14T09:00:08.320001Z')
  s.pulls['nginx:1.25.3'] = {
    start: us('2024-05-14T09:00:01.600000Z'),
    end: us('2024-05-14T09:00:04.100000Z'),
  }
  s.pulls['envoy:1.30'] = { end: us('2024-05-14T09:00:05.000000Z'), reportedMs: 1500 }
  s.containers.app = { init: false, restarts: 0, started: us('2024-05-14T09:00:04.700000Z') }
  s.containers.proxy = { init: false, restarts: 0, started: us('2024-05-14T09:00:05.400000Z') }
  s.events.push({
    uid: 'ev-1',
    reason: 'Pulling',
    type: 'Normal',
    message: 'Pulling image "nginx:1.25.3"',
    component: 'kubelet',
    fieldPath: 'spec.containers{app}',
    first: t('2024-05-14T09:00:01.600000Z'),
    firstP: 'us',
    last: t('2024-05-14T09:00:01.600000Z'),
    count: 1,
  })
  s.slo.create = { result, thresholdMs: 480_000, violatedAt: null, final: true, by: 'outcome' }
  return s
}

function provider() {
  const memory = new InMemorySpanExporter()
  const ids = new PlannedIds()
  const p = new BasicTracerProvider({
    idGenerator: ids,
    spanProcessors: [new SimpleSpanProcessor(memory)],
  })
  return { memory, ids, tracer: p.getTracer('test') }
}

const opts = { config: DEFAULT_SLO_CONFIG, diagnosis: null }

describe('buildTrace', () => {
  it('plans the PodCreate tree from the milestones, to the microsecond', () => {
    const plan = buildTrace(deliveredPod(), 'PodCreate', { ...opts, clusterName: 'prod-1' })
    assert.equal(plan.traceId, '5f0c8a523b1e4c479a7d2e6b8f1c0a11')
    const byName = new Map(plan.spans.map((s) => [s.name, s]))
    assert.deepEqual(
      plan.spans.map((s) => s.name),
      [
        'PodCreate',
        'schedule',
        'node_setup',
        'container_start:app',
        'container_start:proxy',
        'image_pull:nginx:1.25.3',
        'image_pull:envoy:1.30',
        'readiness',
      ],
    )
    const root = byName.get('PodCreate')
    assert.ok(root)
    assert.equal(root.parentSpanId, null)
    assert.equal(root.start.t, t('2024-05-14T09:00:00.120731Z'))
    assert.equal(root.end.t, t('2024-05-14T09:00:08.320001Z'))
    assert.deepEqual(root.status, { code: 'ok' })
    assert.equal(root.attributes['k8s.pod.uid'], UID)
    assert.equal(root.attributes['k8s.replicaset.name'], 'web-7d9f8c6b5d')
    assert.equal(root.attributes['k8s.deployment.name'], 'web')
    assert.equal(root.attributes['k8s.cluster.name'], 'prod-1')
    assert.equal(root.attributes['k8s.node.name'], 'worker-1')
    assert.equal(root.attributes['lunettes.slo.result'], 'success')
    assert.equal(root.attributes['lunettes.slo.threshold_ms'], 480_000)
    assert.deepEqual(
      root.events.map((e) => [e.name, e.time.t, e.attributes.component]),
      [['Pulling', t('2024-05-14T09:00:01.600000Z'), 'kubelet']],
    )
    for (const child of plan.spans.slice(1)) assert.equal(child.parentSpanId, root.spanId)
    assert.equal(byName.get('schedule')?.end.t, t('2024-05-14T09:00:00.233412Z'))
    const envoy = byName.get('image_pull:envoy:1.30')
    assert.equal(envoy?.start.t, t('2024-05-14T09:00:03.500000Z'), 'end minus the reported 1.5 s')
    assert.equal(byName.get('container_start:proxy')?.end.t, t('2024-05-14T09:00:05.400000Z'))
    assert.equal(byName.get('readiness')?.start.t, t('2024-05-14T09:00:05.400000Z'))
  })

  it('marks a missed SLO ERROR with the diagnosis code', () => {
    const diagnosis: ReportDiagnosis = {
      code: 'ImagePullSlow',
      owner: 'platform',
      phase: 'image',
      summary: 'slow pull',
      evidence: [],
      findings: ['ImagePullSlow'],
    }
    const plan = buildTrace(deliveredPod('late'), 'PodCreate', { ...opts, diagnosis })
    const root = plan.spans[0]
    assert.deepEqual(root?.status, { code: 'error', message: 'ImagePullSlow' })
    assert.equal(root?.attributes['lunettes.diagnosis.code'], 'ImagePullSlow')
  })

  it('derives the PodDelete trace id from sha256(uid:action) and plans graceful_stop', () => {
    const s = deliveredPod()
    s.ms.deleteRequested = us('2024-05-14T09:05:00.100000Z')
    s.ms.deleted = us('2024-05-14T09:05:31.900000Z')
    s.ops['containerState:app:terminated:Completed;exitCode:0'] = t('2024-05-14T09:05:30.250000Z')
    s.slo.delete = { result: 'success', thresholdMs: 600_000, violatedAt: null, final: true }
    const expected = createHash('sha256').update(`${UID}:PodDelete`).digest('hex').slice(0, 32)
    assert.equal(traceIdOf(UID, 'PodDelete'), expected)
    const plan = buildTrace(s, 'PodDelete', opts)
    assert.equal(plan.traceId, expected)
    assert.deepEqual(
      plan.spans.map((x) => [x.name, x.start.t, x.end.t]),
      [
        ['PodDelete', t('2024-05-14T09:05:00.100000Z'), t('2024-05-14T09:05:31.900000Z')],
        ['graceful_stop', t('2024-05-14T09:05:00.100000Z'), t('2024-05-14T09:05:30.250000Z')],
      ],
    )
  })

  it('hashes like node:crypto', () => {
    for (const text of ['', 'abc', 'x'.repeat(55), 'x'.repeat(64), 'é✓'.repeat(99)]) {
      assert.equal(sha256Hex(text), createHash('sha256').update(text).digest('hex'))
    }
    assert.deepEqual(toHrTime(1_715_677_200_120_731), [1_715_677_200, 120_731_000])
  })
})

describe('emitTrace', () => {
  it('creates the spans with exactly the planned ids, parents, times, events and status', () => {
    const { memory, ids, tracer } = provider()
    const plan = buildTrace(deliveredPod(), 'PodCreate', opts)
    assert.equal(emitTrace(tracer, ids, plan), 0)
    const spans = memory.getFinishedSpans()
    assert.equal(spans.length, plan.spans.length)
    for (const planned of plan.spans) {
      const span = spans.find((s) => s.spanContext().spanId === planned.spanId)
      assert.ok(span, planned.name)
      assert.equal(span.name, planned.name)
      assert.equal(span.spanContext().traceId, plan.traceId)
      assert.equal(span.parentSpanContext?.spanId, planned.parentSpanId ?? undefined)
      assert.deepEqual(span.startTime, toHrTime(planned.start.t))
      assert.deepEqual(span.endTime, toHrTime(planned.end.t))
    }
    const root = spans.find((s) => s.name === 'PodCreate')
    assert.equal(root?.status.code, SpanStatusCode.OK)
    assert.deepEqual(root?.events[0]?.time, toHrTime(t('2024-05-14T09:00:01.600000Z')))
    assert.equal(root?.spanContext().spanId, spanIdOf(UID, 'PodCreate', 'PodCreate', 0))
  })

  it('repeats the same ids when the trace is emitted again', () => {
    const ids1 = (() => {
      const { memory, ids, tracer } = provider()
      emitTrace(tracer, ids, buildTrace(deliveredPod(), 'PodCreate', opts))
      return memory
        .getFinishedSpans()
        .map((s) => `${s.spanContext().traceId}/${s.spanContext().spanId}`)
    })()
    const { memory, ids, tracer } = provider()
    emitTrace(tracer, ids, buildTrace(deliveredPod(), 'PodCreate', opts))
    const ids2 = memory
      .getFinishedSpans()
      .map((s) => `${s.spanContext().traceId}/${s.spanContext().spanId}`)
    assert.deepEqual(ids2.sort(), ids1.sort())
    // Without pending ids the generator falls back to random ones.
    const other = tracer.startSpan('other')
    assert.match(other.spanContext().traceId, /^[0-9a-f]{32}$/)
    assert.notEqual(other.spanContext().traceId, '5f0c8a523b1e4c479a7d2e6b8f1c0a11')
    other.end()
  })
})
