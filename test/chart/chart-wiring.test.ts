import assert from 'node:assert/strict'
import { X509Certificate } from 'node:crypto'
import { describe, it } from 'node:test'
import { parse } from 'yaml'
import { ordinalShare } from '../../actors/main.ts'
import {
  component,
  find,
  type Manifest,
  podTemplates,
  render,
  rendered,
  selects,
} from './chart-support.ts'

function envOf(container: Manifest): Map<string, string | undefined> {
  return new Map((container.env as Manifest[]).map((e) => [e.name, e.value]))
}

describe('rendered chart: partitions, network policies, apiserver audit', () => {
  it('the actors StatefulSet covers partitions 0..P-1 exactly once for 1, 2 and 3 replicas', () => {
    for (const replicas of [1, 2, 3]) {
      const docs = render({ set: [`actors.replicas=${replicas}`, 'partitions=10'] })
      const sts = find(docs, 'StatefulSet', 'rel-lunettes-actors')[0]
      assert.ok(sts)
      assert.equal(sts.spec.replicas, replicas)
      const env = envOf(sts.spec.template.spec.containers[0])
      assert.equal(env.has('HOSTNAME'), false, 'HOSTNAME stays the pod name (the ordinal)')
      const total = Number(env.get('LUNETTES_PARTITIONS'))
      const declared = Number(env.get('LUNETTES_REPLICAS'))
      assert.equal(total, 10)
      const seen = new Map<number, number>()
      for (let ordinal = 0; ordinal < sts.spec.replicas; ordinal++) {
        const share = ordinalShare(`${sts.metadata.name}-${ordinal}`, declared, total)
        assert.ok(share && share.length > 0, `ordinal ${ordinal} takes partitions`)
        for (const p of share) seen.set(p, (seen.get(p) ?? 0) + 1)
      }
      const expected = Array.from({ length: total }, (_, p) => [p, 1])
      assert.deepEqual(
        [...seen.entries()].sort((a, b) => a[0] - b[0]),
        expected,
        `${replicas}`,
      )
    }
  })

  it('NetworkPolicies: only the gateway is open; only our pods reach NATS and Redis', () => {
    const docs = rendered('all-on')
    const pods = podTemplates(docs).map(({ owner, pod }) => ({
      name: component(owner) ?? '',
      labels: pod.metadata.labels as Record<string, string>,
    }))
    const stranger = { name: 'stranger', labels: { app: 'other', team: 'platform' } }
    const policies = find(docs, 'NetworkPolicy')
    const policy = (suffix: string) => {
      const p = policies.find((n) => n.metadata.name === `rel-lunettes-${suffix}`)
      assert.ok(p, suffix)
      return p
    }
    const selected = (p: Manifest) =>
      pods.filter((x) => selects(p.spec.podSelector, x.labels)).map((x) => x.name)
    assert.deepEqual(selected(policy('default-deny')).sort(), pods.map((p) => p.name).sort())
    assert.deepEqual(policy('default-deny').spec.ingress, undefined, 'deny: no ingress rule')
    // Open to any source: exactly the gateway policy, on its one port.
    const open = policies.filter((p) => (p.spec.ingress ?? []).some((r: Manifest) => !r.from))
    assert.deepEqual(
      open.map((p) => p.metadata.name),
      ['rel-lunettes-gateway'],
    )
    assert.deepEqual(selected(policy('gateway')), ['gateway'])
    const peers = (p: Manifest, port: string) => {
      const rule = (p.spec.ingress as Manifest[]).find((r) =>
        r.ports.some((x: Manifest) => x.port === port),
      )
      assert.ok(rule, port)
      for (const f of rule.from) assert.equal(f.namespaceSelector, undefined, 'same namespace')
      return [...pods, stranger]
        .filter((x) => rule.from.some((f: Manifest) => selects(f.podSelector, x.labels)))
        .map((x) => x.name)
        .sort()
    }
    assert.deepEqual(selected(policy('nats')), ['nats'])
    assert.deepEqual(peers(policy('nats'), 'client'), [
      'actors',
      'audit-tail',
      'collect',
      'gateway',
    ])
    assert.deepEqual(peers(policy('nats'), 'cluster'), ['nats'])
    assert.deepEqual(selected(policy('redis')), ['redis'])
    assert.deepEqual(peers(policy('redis'), 'redis'), ['actors', 'audit-tail'])
    assert.deepEqual(peers(policy('jaeger'), 'otlp-http'), ['actors'])
    assert.deepEqual(selected(policy('metrics')).sort(), ['actors', 'audit-tail', 'collect'])
    assert.equal(
      find(render({ set: ['networkPolicy.enabled=false'] }), 'NetworkPolicy').length,
      0,
      'networkPolicy.enabled=false removes them',
    )
  })

  it('ships an audit.k8s.io/v1 Policy: RequestResponse for pod and event writes only', () => {
    const cm = find(rendered('default'), 'ConfigMap', 'rel-lunettes-audit-policy')[0]
    const policy = parse(cm?.data['audit-policy.yaml'])
    assert.equal(policy.apiVersion, 'audit.k8s.io/v1')
    assert.equal(policy.kind, 'Policy')
    assert.deepEqual(policy.omitStages, ['RequestReceived'])
    assert.equal(policy.rules.length, 2)
    const [writes, rest] = policy.rules
    assert.equal(writes.level, 'RequestResponse')
    assert.deepEqual(
      [...writes.verbs].sort(),
      ['create', 'delete', 'deletecollection', 'patch', 'update'],
      'writes only (no get/list/watch)',
    )
    const byGroup = new Map(writes.resources.map((r: Manifest) => [r.group, r.resources]))
    assert.deepEqual([...(byGroup.get('') as string[])].sort(), [
      'events',
      'pods',
      'pods/binding',
      'pods/eviction',
      'pods/status',
    ])
    assert.deepEqual(byGroup.get('events.k8s.io'), ['events'])
    assert.deepEqual(rest, { level: 'None' }, 'everything else: None (the catch-all is last)')
  })

  it('the webhook kubeconfig points at the fixed ClusterIP, with the token and the gateway CA', () => {
    const docs = rendered('all-on')
    const secret = find(docs, 'Secret', 'rel-lunettes-audit-webhook')[0]
    assert.ok(secret, 'the kubeconfig is a Secret (it holds the token)')
    const kc = parse(secret.stringData['webhook-kubeconfig.yaml'])
    assert.equal(kc.kind, 'Config')
    const cluster = kc.clusters[0].cluster
    assert.equal(cluster.server, 'https://10.96.0.50:443/audit/webhook')
    const gatewaySvc = find(docs, 'Service', 'rel-lunettes-gateway')[0]
    assert.equal(gatewaySvc?.spec.clusterIP, '10.96.0.50')
    const tls = find(docs, 'Secret', 'rel-lunettes-gateway-tls')[0]
    const ca = Buffer.from(cluster['certificate-authority-data'], 'base64').toString()
    assert.equal(ca, Buffer.from(tls?.data['ca.crt'], 'base64').toString(), 'the gateway CA')
    const serving = new X509Certificate(Buffer.from(tls?.data['tls.crt'], 'base64'))
    assert.ok(serving.verify(new X509Certificate(ca).publicKey), 'serving cert signed by that CA')
    assert.match(serving.subjectAltName ?? '', /IP Address:10\.96\.0\.50/)
    assert.match(serving.subjectAltName ?? '', /IP Address:127\.0\.0\.1/)
    assert.match(serving.subjectAltName ?? '', /DNS:rel-lunettes-gateway\.obs\.svc/)
    const user = kc.users[0].user
    assert.equal(user.token, 'all-on-webhook-token-7f3a9c')
    assert.ok(user['client-certificate'], 'with a client CA, the API server presents its cert')
    assert.equal(kc['current-context'], kc.contexts[0].name)
    const nodePort = render({
      set: [
        'audit.webhook.enabled=true',
        'audit.webhook.mode=nodePort',
        'gateway.service.type=NodePort',
        'gateway.service.nodePort=30443',
      ],
    })
    const npKc = parse(
      find(nodePort, 'Secret', 'rel-lunettes-audit-webhook')[0]?.stringData[
        'webhook-kubeconfig.yaml'
      ],
    )
    assert.equal(npKc.clusters[0].cluster.server, 'https://127.0.0.1:30443/audit/webhook')
    assert.equal(
      find(rendered('default'), 'Secret', 'rel-lunettes-audit-webhook').length,
      0,
      'no kubeconfig unless the webhook is enabled',
    )
  })

  it('the collector runs `collect --kube`; NATS runs 3 nodes with stream replicas 3', () => {
    const docs = rendered('all-on')
    const collect = find(docs, 'Deployment', 'rel-lunettes-collect')[0]
    assert.deepEqual(collect?.spec.template.spec.containers[0].args, ['collect', '--kube'])
    const nats = find(docs, 'StatefulSet', 'rel-lunettes-nats')[0]
    assert.equal(nats?.spec.replicas, 3)
    assert.equal(nats?.spec.volumeClaimTemplates[0].spec.resources.requests.storage, '20Gi')
    const conf = find(docs, 'ConfigMap', 'rel-lunettes-nats')[0]?.data['nats.conf'] as string
    assert.match(conf, /jetstream \{/)
    assert.equal(conf.match(/nats:\/\/rel-lunettes-nats-\d\./g)?.length, 3)
    assert.match(conf, /password: \$NATS_PASSWORD/)
    for (const { owner, pod } of podTemplates(docs)) {
      if (!['gateway', 'actors', 'collect', 'audit-tail'].includes(component(owner) ?? '')) continue
      const env = envOf(pod.spec.containers[0])
      assert.equal(env.get('LUNETTES_STREAM_REPLICAS'), '3', owner.metadata.name)
      // Each role connects as its own user (chart-nats.test.ts checks the permission sets).
      const role = { gateway: 'gateway', actors: 'actors', collect: 'collector' }[
        component(owner) as 'gateway' | 'actors' | 'collect'
      ]
      assert.equal(env.get('NATS_USER'), role ?? 'collector', owner.metadata.name)
    }
    const redis = find(docs, 'StatefulSet', 'rel-lunettes-redis')[0]
    const script = redis?.spec.template.spec.containers[0].command.join(' ')
    assert.match(script, /--appendonly yes/)
    assert.doesNotMatch(script, /redis-server[^\n]*requirepass/, 'no password in argv')
  })
})
