import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Registry } from 'prom-client'
import {
  createActorMetrics,
  namespaceCap,
  OTHER_NAMESPACE,
} from '../../../actors/telemetry/metrics.ts'

describe('namespace label cap', () => {
  it('keeps the first N namespaces by name and reports later ones as other', () => {
    const cap = namespaceCap(2)
    assert.equal(cap('a'), 'a')
    assert.equal(cap('b'), 'b')
    assert.equal(cap('c'), OTHER_NAMESPACE)
    assert.equal(cap('a'), 'a', 'a namespace seen before keeps its label')
    assert.equal(cap('d'), OTHER_NAMESPACE)
  })

  it('bounds the series of every namespace-labelled metric, however many namespaces come', async () => {
    const registry = new Registry()
    const metrics = createActorMetrics(registry, { maxNamespaces: 3 })
    for (let i = 0; i < 50; i++) {
      const namespace = `team-${i}`
      metrics.observe({
        type: 'metric',
        name: 'lunettes_slo_results_total',
        labels: { namespace, slo: 'create', result: 'ok', code: 'none' },
        value: 1,
      })
      metrics.observe({
        type: 'metric',
        name: 'lunettes_pod_delivery_seconds',
        labels: { namespace, result: 'ok' },
        value: 1.5,
      })
    }
    const results = await registry.getSingleMetric('lunettes_slo_results_total')?.get()
    const byNs = new Map(results?.values.map((v) => [String(v.labels.namespace), v.value]))
    assert.deepEqual([...byNs.keys()].sort(), ['other', 'team-0', 'team-1', 'team-2'])
    assert.equal(byNs.get('other'), 47, 'nothing is lost: the rest is counted under other')
    const delivery = await registry.getSingleMetric('lunettes_pod_delivery_seconds')?.get()
    const namespaces = new Set(delivery?.values.map((v) => v.labels.namespace))
    assert.deepEqual([...namespaces].sort(), ['other', 'team-0', 'team-1', 'team-2'])
  })

  it('defaults to 200 namespaces', async () => {
    const registry = new Registry()
    const metrics = createActorMetrics(registry)
    for (let i = 0; i < 250; i++) {
      metrics.observe({
        type: 'metric',
        name: 'lunettes_slo_violations_total',
        labels: { namespace: `ns-${i}`, slo: 'create', code: 'x' },
        value: 1,
      })
    }
    const got = await registry.getSingleMetric('lunettes_slo_violations_total')?.get()
    assert.equal(got?.values.length, 201)
  })
})
