import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { parse } from 'yaml'
import {
  ALL_ON,
  component,
  find,
  type Manifest,
  OUR_COMPONENTS,
  podTemplates,
  rendered,
} from './chart-support.ts'

const SETS = ['default', 'all-on'] as const

describe('rendered chart: least privilege and hardening', () => {
  it('every container has probes, requests and limits and the locked-down security context', () => {
    for (const set of SETS) {
      const pods = podTemplates(rendered(set))
      const ours = pods.filter(({ owner }) => OUR_COMPONENTS.includes(component(owner) ?? ''))
      assert.ok(ours.length >= (set === 'all-on' ? 4 : 3), `${set}: our workloads rendered`)
      for (const { owner, pod } of pods) {
        const where = `${set} ${owner.kind}/${owner.metadata.name}`
        assert.equal(pod.spec.nodeName, undefined, `${where}: never pinned to a node`)
        assert.equal(pod.spec.nodeSelector?.['kubernetes.io/hostname'], undefined, where)
        assert.equal(pod.spec.securityContext?.runAsNonRoot, true, `${where}: pod runAsNonRoot`)
        assert.equal(pod.spec.securityContext?.seccompProfile?.type, 'RuntimeDefault', where)
        assert.equal(pod.spec.hostNetwork, undefined, where)
        for (const c of pod.spec.containers as Manifest[]) {
          const at = `${where} container ${c.name}`
          assert.ok(c.livenessProbe && c.readinessProbe, `${at}: liveness and readiness probes`)
          assert.ok(c.resources?.requests?.cpu && c.resources?.requests?.memory, `${at}: requests`)
          assert.ok(c.resources?.limits?.cpu && c.resources?.limits?.memory, `${at}: limits`)
          const sc = c.securityContext ?? {}
          assert.equal(sc.runAsNonRoot, true, at)
          assert.equal(sc.readOnlyRootFilesystem, true, at)
          assert.equal(sc.allowPrivilegeEscalation, false, at)
          assert.deepEqual(sc.capabilities?.drop, ['ALL'], at)
          assert.equal(sc.capabilities?.add, undefined, at)
          assert.equal(sc.privileged, undefined, at)
          assert.equal(sc.seccompProfile?.type, 'RuntimeDefault', at)
          if (OUR_COMPONENTS.includes(component(owner) ?? '')) {
            assert.equal(c.livenessProbe.httpGet?.path, '/healthz', at)
            assert.equal(c.readinessProbe.httpGet?.path, '/readyz', at)
          }
        }
      }
    }
  })

  it('the audit tail reads the log by group, read-only, on control-plane nodes by role', () => {
    const [tail] = find(rendered('all-on'), 'DaemonSet')
    assert.ok(tail)
    const spec = tail.spec.template.spec
    assert.equal(spec.securityContext.runAsGroup, 2019)
    assert.deepEqual(spec.securityContext.supplementalGroups, [2019])
    assert.notEqual(spec.securityContext.runAsUser, 0)
    const mount = spec.containers[0].volumeMounts.find((m: Manifest) => m.name === 'audit-log')
    assert.equal(mount.readOnly, true)
    const term = spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution
    assert.deepEqual(term.nodeSelectorTerms[0].matchExpressions[0], {
      key: 'node-role.kubernetes.io/control-plane',
      operator: 'Exists',
    })
    assert.deepEqual(spec.containers[0].args, [
      'collect',
      '--audit-log',
      '/var/log/lunettes-audit/audit.log',
    ])
    const env = spec.containers[0].env.find(
      (e: Manifest) => e.name === 'LUNETTES_AUDIT_CHECKPOINT_KEY',
    )
    assert.match(env.value, /\$\(NODE_NAME\)/, 'one checkpoint per control-plane node')
  })

  it('RBAC grants exactly the verbs needed, never a wildcard', () => {
    for (const set of SETS) {
      const docs = rendered(set)
      const roles = [...find(docs, 'ClusterRole'), ...find(docs, 'Role')]
      const grants = new Set<string>()
      for (const role of roles) {
        for (const rule of role.rules as Manifest[]) {
          for (const field of ['apiGroups', 'resources', 'verbs', 'resourceNames']) {
            assert.ok(!(rule[field] ?? []).includes('*'), `${set} ${role.metadata.name}: ${field}`)
          }
          for (const g of rule.apiGroups) {
            for (const r of rule.resources) for (const v of rule.verbs) grants.add(`${g}/${r}:${v}`)
          }
        }
      }
      const expected = [
        '/pods:get',
        '/pods:list',
        '/pods:watch',
        '/events:get',
        '/events:list',
        '/events:watch',
        'events.k8s.io/events:get',
        'events.k8s.io/events:list',
        'events.k8s.io/events:watch',
      ]
      if (set === 'all-on') {
        expected.push(
          'authentication.k8s.io/tokenreviews:create',
          'authorization.k8s.io/subjectaccessreviews:create',
          '/namespaces:list',
        )
      }
      assert.deepEqual([...grants].sort(), expected.sort(), set)
      const sas = find(docs, 'ServiceAccount')
      assert.ok(
        sas.every((sa) => sa.automountServiceAccountToken === false),
        set,
      )
      for (const { owner, pod } of podTemplates(docs)) {
        const needsApi =
          component(owner) === 'collect' || (component(owner) === 'gateway' && set === 'all-on')
        assert.equal(pod.spec.automountServiceAccountToken === true, needsApi, owner.metadata.name)
      }
    }
  })

  it('no secret is rendered in clear text in a ConfigMap or a pod spec', () => {
    const secrets = Object.values(
      (parse(readFileSync(ALL_ON, 'utf8')) as { secrets: Record<string, string> }).secrets,
    )
    assert.equal(secrets.length, 5)
    const docs = rendered('all-on')
    for (const m of docs.filter((d) => d.kind !== 'Secret')) {
      const text = JSON.stringify(m)
      for (const s of secrets) assert.ok(!text.includes(s), `${m.kind}/${m.metadata.name}: ${s}`)
    }
    // The generated defaults: whatever the Secret holds is nowhere else either.
    const defaults = rendered('default')
    const generated = find(defaults, 'Secret').flatMap((s) =>
      Object.values(s.data ?? {}).map((v) => Buffer.from(String(v), 'base64').toString()),
    )
    assert.ok(generated.length >= 5)
    for (const m of defaults.filter((d) => d.kind !== 'Secret')) {
      const text = JSON.stringify(m)
      for (const s of generated) assert.ok(!text.includes(s), `${m.kind}/${m.metadata.name}`)
    }
  })

  it('PodDisruptionBudgets cover the gateway, actors, collector and NATS (policy/v1)', () => {
    const pdbs = find(rendered('all-on'), 'PodDisruptionBudget')
    assert.ok(pdbs.every((p) => p.apiVersion === 'policy/v1'))
    const covered = pdbs.map((p) => p.spec.selector.matchLabels['app.kubernetes.io/component'])
    assert.deepEqual(covered.sort(), ['actors', 'collect', 'gateway', 'nats'])
  })

  it('actors spread over nodes; config changes roll the pods (checksum annotation)', () => {
    const actors = find(rendered('all-on'), 'StatefulSet', 'rel-lunettes-actors')[0]
    const spread = actors?.spec.template.spec.topologySpreadConstraints[0]
    assert.equal(spread.topologyKey, 'kubernetes.io/hostname')
    assert.deepEqual(spread.labelSelector.matchLabels, actors?.spec.selector.matchLabels)
    const a = actors?.spec.template.metadata.annotations['checksum/config']
    const b = find(rendered('default'), 'StatefulSet', 'rel-lunettes-actors')[0]?.spec.template
      .metadata.annotations['checksum/config']
    assert.match(a, /^[0-9a-f]{64}$/)
    assert.notEqual(a, b, 'a different SLO config gives a different checksum')
  })
})
