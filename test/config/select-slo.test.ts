import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  appOf,
  ignoresDeleteReason,
  isIgnoredNamespace,
  isJudged,
  ruleMatches,
  type SloPodFacts,
  selectThresholds,
} from '../../config/select-slo.ts'
import { DEFAULT_SLO_CONFIG, parseSloConfig } from '../../config/slo-config.ts'

const config = parseSloConfig({
  UserOnlineConfigMap: { 'test-ns-one': '1m30s', 'test-ns-two': '6m', 'rule-ns': '20m' },
  IgnoredNamespaceForAudit: ['app-ns'],
  IgnoreDeleteReasonNamespace: ['test-ns-three', 'test-ns-four'],
  rules: [
    { match: { namespace: 'rule-ns', labels: { tier: 'db' } }, create: '15m' },
    { match: { namespaceRegex: 'batch-.*', job: true }, create: '3m', delete: '2m' },
    { match: { ownerKind: 'StatefulSet' }, delete: '30m' },
    { match: { namespace: 'rule-ns' }, delete: '1m' },
  ],
})

const pod = (facts: Partial<SloPodFacts> & { namespace: string }): SloPodFacts => ({
  job: false,
  ...facts,
})

describe('selectThresholds', () => {
  const cases: Array<
    [string, SloPodFacts, { createMs: number; deleteMs: number; source: string }]
  > = [
    [
      'a service pod without config gets the service default',
      pod({ namespace: 'other' }),
      { createMs: 480_000, deleteMs: 600_000, source: 'default' },
    ],
    [
      'a job pod without config gets the job default',
      pod({ namespace: 'other', job: true }),
      { createMs: 90_000, deleteMs: 600_000, source: 'default-job' },
    ],
    [
      'UserOnlineConfigMap replaces the default outright, also for jobs',
      pod({ namespace: 'test-ns-one', job: true }),
      { createMs: 90_000, deleteMs: 600_000, source: 'UserOnlineConfigMap' },
    ],
    [
      'UserOnlineConfigMap applies to service pods',
      pod({ namespace: 'test-ns-two' }),
      { createMs: 360_000, deleteMs: 600_000, source: 'UserOnlineConfigMap' },
    ],
    [
      'a matching rule beats UserOnlineConfigMap',
      pod({ namespace: 'rule-ns', labels: { tier: 'db', app: 'pg' } }),
      { createMs: 900_000, deleteMs: 60_000, source: 'rule[0]' },
    ],
    [
      'a rule whose labels do not match falls through to UserOnlineConfigMap',
      pod({ namespace: 'rule-ns', labels: { tier: 'web' } }),
      { createMs: 1_200_000, deleteMs: 60_000, source: 'UserOnlineConfigMap' },
    ],
    [
      'a rule needs every label; missing labels do not match',
      pod({ namespace: 'rule-ns' }),
      { createMs: 1_200_000, deleteMs: 60_000, source: 'UserOnlineConfigMap' },
    ],
    [
      'namespaceRegex and job both have to match',
      pod({ namespace: 'batch-7', job: true }),
      { createMs: 180_000, deleteMs: 120_000, source: 'rule[1]' },
    ],
    [
      'namespaceRegex is anchored',
      pod({ namespace: 'x-batch-7', job: true }),
      { createMs: 90_000, deleteMs: 600_000, source: 'default-job' },
    ],
    [
      'job: true does not match a service pod',
      pod({ namespace: 'batch-7' }),
      { createMs: 480_000, deleteMs: 600_000, source: 'default' },
    ],
    [
      'a delete-only rule leaves create to the defaults',
      pod({ namespace: 'other', ownerKind: 'StatefulSet' }),
      { createMs: 480_000, deleteMs: 1_800_000, source: 'default' },
    ],
    [
      'a null owner kind does not match an ownerKind rule',
      pod({ namespace: 'other', ownerKind: null }),
      { createMs: 480_000, deleteMs: 600_000, source: 'default' },
    ],
    [
      'create and delete come from the first rule that has each',
      pod({ namespace: 'rule-ns', labels: { tier: 'db' }, ownerKind: 'StatefulSet' }),
      { createMs: 900_000, deleteMs: 1_800_000, source: 'rule[0]' },
    ],
  ]
  for (const [name, facts, expected] of cases) {
    it(name, () => {
      const { createMs, deleteMs, source, giveUpMs } = selectThresholds(config, facts)
      assert.deepEqual({ createMs, deleteMs, source }, expected)
      assert.equal(giveUpMs, 2_100_000)
    })
  }

  it('an empty match matches every pod', () => {
    const all = parseSloConfig({ rules: [{ match: {}, create: '2m' }] })
    assert.equal(selectThresholds(all, pod({ namespace: 'x', job: true })).source, 'rule[0]')
    assert.equal(selectThresholds(all, pod({ namespace: 'y' })).createMs, 120_000)
  })

  it('give-up is never shorter than the thresholds it guards', () => {
    const slow = parseSloConfig({ UserOnlineConfigMap: { ml: '1h' }, defaults: { delete: '40m' } })
    assert.equal(selectThresholds(slow, pod({ namespace: 'ml' })).giveUpMs, 3_600_000)
    assert.equal(selectThresholds(slow, pod({ namespace: 'web' })).giveUpMs, 2_400_000)
  })

  it('uses the built-in defaults with DEFAULT_SLO_CONFIG', () => {
    assert.deepEqual(selectThresholds(DEFAULT_SLO_CONFIG, pod({ namespace: 'a' })), {
      createMs: 480_000,
      deleteMs: 600_000,
      giveUpMs: 2_100_000,
      source: 'default',
    })
  })
})

describe('ruleMatches', () => {
  it('treats an absent label map on the pod as no labels', () => {
    assert.equal(ruleMatches({ labels: {} }, pod({ namespace: 'a' })), true)
    assert.equal(ruleMatches({ labels: { a: 'b' } }, pod({ namespace: 'a' })), false)
  })

  it('does not read labels from the prototype', () => {
    assert.equal(
      ruleMatches({ labels: { toString: 'x' } }, pod({ namespace: 'a', labels: {} })),
      false,
    )
  })
})

describe('namespace lists', () => {
  it('isIgnoredNamespace reads IgnoredNamespaceForAudit', () => {
    assert.equal(isIgnoredNamespace(config, 'app-ns'), true)
    assert.equal(isIgnoredNamespace(config, 'test-ns-one'), false)
    assert.equal(isIgnoredNamespace(DEFAULT_SLO_CONFIG, 'app-ns'), false)
  })

  it('ignoresDeleteReason reads IgnoreDeleteReasonNamespace', () => {
    assert.equal(ignoresDeleteReason(config, 'test-ns-three'), true)
    assert.equal(ignoresDeleteReason(config, 'test-ns-four'), true)
    assert.equal(ignoresDeleteReason(config, 'app-ns'), false)
  })
})

describe('UserAppConfigMap, UserSLAConfigMap and ShouldIgnoreSinglePod', () => {
  const upstream = parseSloConfig({
    UserOnlineConfigMap: { shop: '6m', linkeci: '1m' },
    UserAppConfigMap: { checkout: '2m', web: '30s' },
    UserSLAConfigMap: { linkeci: '10m', shop: '1m' },
    ShouldIgnoreSinglePod: 'true',
    rules: [{ match: { labels: { tier: 'gold' } }, create: '45s' }],
  })
  const cases: Array<[string, SloPodFacts, number, string]> = [
    [
      'app label picks the app threshold',
      pod({ namespace: 'shop', labels: { app: 'checkout' } }),
      120_000,
      'UserAppConfigMap',
    ],
    [
      'app.kubernetes.io/name is used without app',
      pod({ namespace: 'shop', labels: { 'app.kubernetes.io/name': 'checkout' } }),
      120_000,
      'UserAppConfigMap',
    ],
    [
      'app wins over app.kubernetes.io/name',
      pod({ namespace: 'other', labels: { app: 'web', 'app.kubernetes.io/name': 'checkout' } }),
      30_000,
      'UserAppConfigMap',
    ],
    [
      'an unlisted app falls back to the namespace',
      pod({ namespace: 'shop', labels: { app: 'cart' } }),
      360_000,
      'UserOnlineConfigMap',
    ],
    [
      'a rule ranks above the app map',
      pod({ namespace: 'other', labels: { app: 'checkout', tier: 'gold' } }),
      45_000,
      'rule[0]',
    ],
    [
      'the SLA floor raises a lower namespace threshold',
      pod({ namespace: 'linkeci' }),
      600_000,
      'UserSLAConfigMap',
    ],
    [
      'the SLA floor raises a rule threshold too',
      pod({ namespace: 'linkeci', labels: { tier: 'gold' } }),
      600_000,
      'UserSLAConfigMap',
    ],
    [
      'a threshold above the floor stays',
      pod({ namespace: 'shop' }),
      360_000,
      'UserOnlineConfigMap',
    ],
    [
      'the floor raises an app threshold below it',
      pod({ namespace: 'shop', labels: { app: 'web' } }),
      60_000,
      'UserSLAConfigMap',
    ],
  ]
  for (const [name, facts, createMs, source] of cases) {
    it(name, () => {
      const th = selectThresholds(upstream, facts)
      assert.deepEqual({ createMs: th.createMs, source: th.source }, { createMs, source })
    })
  }

  it('appOf reads app, then app.kubernetes.io/name', () => {
    assert.equal(appOf(pod({ namespace: 'a', labels: { app: 'x' } })), 'x')
    assert.equal(appOf(pod({ namespace: 'a', labels: { 'app.kubernetes.io/name': 'y' } })), 'y')
    assert.equal(appOf(pod({ namespace: 'a' })), null)
  })

  it('ShouldIgnoreSinglePod leaves only pods without a controller owner unjudged', () => {
    assert.equal(isJudged(upstream, { ownerKind: null }), false)
    assert.equal(isJudged(upstream, {}), false)
    assert.equal(isJudged(upstream, { ownerKind: 'ReplicaSet' }), true)
    assert.equal(isJudged(DEFAULT_SLO_CONFIG, { ownerKind: null }), true)
  })
})
