import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ALL_ON, CHART, type Manifest, render, rendered, runHelm } from './chart-support.ts'

/** The kubernetes-models class of an object (`apps/v1` + `Deployment` → apps/v1/Deployment). */
async function modelOf(m: Manifest): Promise<new (data: unknown) => { validate(): void }> {
  const path = `kubernetes-models/${m.apiVersion}/${m.kind}`
  const mod = (await import(path)) as Record<string, new (data: unknown) => { validate(): void }>
  const model = mod[m.kind as string] ?? mod.default
  if (!model) throw new Error(`no model for ${m.apiVersion} ${m.kind}`)
  return model
}

/** Custom resources of the Prometheus operator: not in the Kubernetes OpenAPI. */
const CRDS = new Set([
  'monitoring.coreos.com/v1/ServiceMonitor',
  'monitoring.coreos.com/v1/PrometheusRule',
])

async function validateAll(docs: Manifest[]): Promise<string[]> {
  const errors: string[] = []
  for (const m of docs) {
    const id = `${m.kind}/${m.metadata?.name}`
    if (CRDS.has(`${m.apiVersion}/${m.kind}`)) {
      if (typeof m.metadata?.name !== 'string' || typeof m.spec !== 'object') {
        errors.push(`${id}: a custom resource needs metadata.name and spec`)
      }
      continue
    }
    try {
      ;new (await modelOf(m))(m).validate()
    } catch (err: unknown) {
      errors.push(`${id}: ${err instanceof Error ? err.message : String(err)}`)
    }
  }
  return errors
}

describe('helm chart charts/lunettes (real helm v4)', () => {
  it('passes helm lint with the default values and with every option on', () => {
    assert.match(runHelm(['lint', CHART, '--strict']), /1 chart\(s\) linted, 0 chart\(s\) failed/)
    assert.match(
      runHelm(['lint', CHART, '--strict', '-f', ALL_ON]),
      /1 chart\(s\) linted, 0 chart\(s\) failed/,
    )
  })

  it('renders every default manifest valid against the Kubernetes OpenAPI schemas', async () => {
    const docs = rendered('default')
    const kinds = new Set(docs.map((d) => d.kind))
    for (const k of ['Deployment', 'StatefulSet', 'Service', 'Secret', 'NetworkPolicy']) {
      assert.ok(kinds.has(k), `default render has a ${k}`)
    }
    assert.deepEqual(await validateAll(docs), [])
  })

  it('renders every all-on manifest valid (CRDs checked for shape only)', async () => {
    const docs = rendered('all-on')
    const kinds = new Set(docs.map((d) => d.kind))
    for (const k of ['DaemonSet', 'Ingress', 'ServiceMonitor', 'PrometheusRule', 'ClusterRole']) {
      assert.ok(kinds.has(k), `all-on render has a ${k}`)
    }
    assert.deepEqual(await validateAll(docs), [])
  })

  it('the validator itself refuses a wrong-typed manifest (so the checks above can fail)', async () => {
    const deployment = rendered('default').find((d) => d.kind === 'Deployment')
    assert.ok(deployment)
    const broken = structuredClone(deployment)
    broken.spec.replicas = 'two'
    assert.equal((await validateAll([broken])).length, 1)
  })

  it('values.schema.json refuses wrong types and unknown keys at template time', () => {
    const refused = (set: string[], pattern: RegExp) =>
      assert.throws(() => render({ set }), pattern, `--set ${set.join(' ')}`)
    refused(['partitions=many'], /partitions.*want integer/s)
    refused(['gateway.replicas=true'], /gateway\/replicas.*want integer/s)
    refused(['nats.replicas=2'], /nats\/replicas/)
    refused(['gateway.apiAuth=none'], /apiAuth/)
    refused(['collect.enabled=yes'], /collect\/enabled.*want boolean/s)
    refused(['gatway.replicas=2'], /additional properties 'gatway' not allowed/)
  })

  it('refuses inconsistent settings with a message naming the value', () => {
    assert.throws(
      () => render({ set: ['nats.streamReplicas=3'] }),
      /streamReplicas cannot exceed nats.replicas/,
    )
    assert.throws(
      () => render({ set: ['audit.webhook.enabled=true'] }),
      /gateway.service.clusterIP/,
    )
    assert.throws(() => render({ set: ['redis.enabled=false'] }), /externalRedis/)
    assert.throws(() => render({ set: ['nats.enabled=false'] }), /externalNats.url/)
  })

  it('external NATS, Redis Sentinel and Jaeger replace the bundled ones', () => {
    const docs = render({
      set: [
        'nats.enabled=false',
        'externalNats.url=nats://nats.infra:4222',
        'externalNats.existingSecret=nats-creds',
        'externalNats.tls=true',
        'redis.enabled=false',
        'externalRedis.sentinels={s1:26379,s2:26379}',
        'externalRedis.sentinelName=mymaster',
        'externalRedis.existingSecret=redis-creds',
        'jaeger.enabled=false',
        'externalJaeger.otlpEndpoint=http://otel.infra:4318',
      ],
    })
    const components = new Set(docs.map((d) => d.metadata?.labels?.['app.kubernetes.io/component']))
    for (const gone of ['nats', 'redis', 'jaeger']) assert.ok(!components.has(gone), gone)
    const actors = docs.find((d) => d.kind === 'StatefulSet')
    const env = new Map<string, Manifest>(
      actors?.spec.template.spec.containers[0].env.map((e: Manifest) => [e.name, e]),
    )
    assert.equal(env.get('NATS_URL')?.value, 'nats://nats.infra:4222')
    assert.equal(env.get('NATS_CA')?.value, '/etc/lunettes/nats/ca.crt')
    assert.equal(env.get('REDIS_SENTINELS')?.value, 's1:26379,s2:26379')
    assert.equal(env.get('REDIS_SENTINEL_NAME')?.value, 'mymaster')
    assert.equal(env.get('REDIS_SENTINEL_PASSWORD')?.valueFrom.secretKeyRef.name, 'redis-creds')
    assert.equal(env.get('OTEL_EXPORTER_OTLP_ENDPOINT')?.value, 'http://otel.infra:4318')
    assert.equal(env.has('REDIS_URL'), false)
    const cluster = render({
      set: ['redis.enabled=false', 'externalRedis.clusterNodes={r1:6379,r2:6379}'],
    }).find((d) => d.kind === 'StatefulSet' && d.metadata.name.endsWith('-actors'))
    const clusterEnv = cluster?.spec.template.spec.containers[0].env as Manifest[]
    assert.equal(clusterEnv.find((e) => e.name === 'REDIS_CLUSTER_NODES')?.value, 'r1:6379,r2:6379')
  })
})
