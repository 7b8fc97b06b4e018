import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ConfigError } from '../../config/config-error.ts'
import { DEFAULT_SLO_CONFIG, parseSloConfig, parseSloConfigText } from '../../config/slo-config.ts'

const UPSTREAM_EXAMPLE = {
  UserOnlineConfigMap: { 'test-ns-one': '1m30s', 'test-ns-two': '6m' },
  IgnoredNamespaceForAudit: ['app-ns'],
  IgnoreDeleteReasonNamespace: ['test-ns-three', 'test-ns-four'],
}

const DURATION = '(expected e.g. "1m30s", "6m", "480s")'
const KNOWN =
  'UserOnlineConfigMap, UserAppConfigMap, UserSLAConfigMap, IgnoredNamespaceForAudit, ' +
  'IgnoreDeleteReasonNamespace, PostStartHookTimeout, ShouldIgnoreSinglePod, ' +
  'ShouldRetainOldMetrics, rules, defaults, budgets, or an extension key starting with "$" or "x-"'

/** All eight keys of upstream's LunettesConfig (pkg/config/config.go), booleans as Go writes them. */
const ALL_UPSTREAM_KEYS = {
  UserOnlineConfigMap: { 'test-ns': '1m30s' },
  UserAppConfigMap: { checkout: '2m' },
  UserSLAConfigMap: { linkeci: '10m' },
  IgnoredNamespaceForAudit: ['app-ns'],
  PostStartHookTimeout: '20s',
  ShouldIgnoreSinglePod: 'true',
  ShouldRetainOldMetrics: 'false',
  IgnoreDeleteReasonNamespace: ['test-ns-three'],
}

/** The ConfigError that parsing `input` throws (fails the test if it throws nothing else). */
function rejection(input: unknown): ConfigError {
  try {
    parseSloConfig(input)
  } catch (err: unknown) {
    if (err instanceof ConfigError) return err
    throw err
  }
  assert.fail('expected a ConfigError')
}

describe('parseSloConfig: valid configs', () => {
  it('parses the upstream README example', () => {
    const config = parseSloConfig(UPSTREAM_EXAMPLE)
    const perNamespace = Object.fromEntries(config.userOnlineConfigMap)
    assert.deepEqual(perNamespace, { 'test-ns-one': 90_000, 'test-ns-two': 360_000 })
    assert.deepEqual([...config.ignoredNamespaceForAudit], ['app-ns'])
    assert.deepEqual([...config.ignoreDeleteReasonNamespace], ['test-ns-three', 'test-ns-four'])
    assert.equal(config.postStartHookTimeoutMs, null)
    assert.deepEqual(config.rules, [])
    assert.deepEqual(config.defaultsMs, DEFAULT_SLO_CONFIG.defaultsMs)
  })

  it('resolves {} to the documented defaults', () => {
    const config = parseSloConfig({})
    assert.deepEqual(config, DEFAULT_SLO_CONFIG)
    assert.deepEqual(config.defaultsMs, {
      create: 480_000,
      createJob: 90_000,
      delete: 600_000,
      giveUp: 2_100_000,
    })
    assert.deepEqual(config.budgetsMs, {
      schedule: 30_000,
      nodeSetup: 30_000,
      imagePull: 120_000,
      init: 60_000,
      containerStart: 30_000,
      readiness: 120_000,
    })
    assert.equal(config.userOnlineConfigMap.size, 0)
    assert.equal(config.postStartHookTimeoutMs, null)
  })

  it('keeps defaults and budgets that are not overridden', () => {
    const config = parseSloConfig({
      PostStartHookTimeout: '20s',
      defaults: { create: '5m', giveUp: '1h' },
      budgets: { imagePull: '3m' },
    })
    assert.equal(config.postStartHookTimeoutMs, 20_000)
    const defaults = DEFAULT_SLO_CONFIG.defaultsMs
    assert.deepEqual(config.defaultsMs, { ...defaults, create: 300_000, giveUp: 3_600_000 })
    assert.equal(config.budgetsMs.imagePull, 180_000)
    assert.equal(config.budgetsMs.schedule, 30_000)
  })

  it('resolves rules in order with their index, thresholds and match', () => {
    const config = parseSloConfig({
      rules: [
        { match: { namespace: 'batch', job: true }, create: '2m' },
        { match: { labels: { tier: 'db' }, ownerKind: 'StatefulSet' }, delete: '30m' },
        { match: {}, create: '10m', delete: '5m' },
      ],
    })
    assert.equal(config.rules.length, 3)
    assert.deepEqual(config.rules[0], {
      index: 0,
      match: { namespace: 'batch', job: true },
      createMs: 120_000,
      deleteMs: null,
    })
    assert.deepEqual(config.rules[1]?.match, { labels: { tier: 'db' }, ownerKind: 'StatefulSet' })
    assert.equal(config.rules[1]?.deleteMs, 1_800_000)
    assert.deepEqual(config.rules[2], { index: 2, match: {}, createMs: 600_000, deleteMs: 300_000 })
  })

  it('compiles namespaceRegex as an anchored full match', () => {
    const config = parseSloConfig({
      rules: [{ match: { namespaceRegex: 'prod|stage-.*' }, create: '1m' }],
    })
    const regex = config.rules[0]?.match.namespaceRegex
    assert.ok(regex instanceof RegExp)
    const hits = ['prod', 'stage-eu', 'preprod', 'prod-x', 'x-stage-eu'].filter((ns) =>
      regex.test(ns),
    )
    assert.deepEqual(hits, ['prod', 'stage-eu'])
  })

  it('lets "$…" and "x-…" extension keys pass', () => {
    const config = parseSloConfig({
      $schema: './slo.schema.json',
      'x-owner': 'team-a',
      ...UPSTREAM_EXAMPLE,
    })
    assert.equal(config.userOnlineConfigMap.get('test-ns-one'), 90_000)
  })
})

describe('parseSloConfig: upstream LunettesConfig keys', () => {
  it('loads all eight keys with Go-string booleans', () => {
    const config = parseSloConfig(ALL_UPSTREAM_KEYS)
    assert.deepEqual(Object.fromEntries(config.userOnlineConfigMap), { 'test-ns': 90_000 })
    assert.deepEqual(Object.fromEntries(config.userAppConfigMap), { checkout: 120_000 })
    assert.deepEqual(Object.fromEntries(config.userSlaConfigMap), { linkeci: 600_000 })
    assert.deepEqual([...config.ignoredNamespaceForAudit], ['app-ns'])
    assert.deepEqual([...config.ignoreDeleteReasonNamespace], ['test-ns-three'])
    assert.equal(config.postStartHookTimeoutMs, 20_000)
    assert.equal(config.shouldIgnoreSinglePod, true)
    assert.equal(config.shouldRetainOldMetrics, false)
    assert.deepEqual(config.warnings, [])
  })

  it('takes real JSON booleans too, and both default to false', () => {
    const config = parseSloConfig({ ShouldIgnoreSinglePod: false, ShouldRetainOldMetrics: true })
    assert.equal(config.shouldIgnoreSinglePod, false)
    assert.equal(config.shouldRetainOldMetrics, true)
    assert.equal(DEFAULT_SLO_CONFIG.shouldIgnoreSinglePod, false)
    assert.equal(DEFAULT_SLO_CONFIG.shouldRetainOldMetrics, false)
  })

  it('warns about an unknown top-level key instead of refusing the config', () => {
    const config = parseSloConfig({ UserOnlineConfigMapp: {}, ...UPSTREAM_EXAMPLE }, 'cm.json')
    assert.equal(config.userOnlineConfigMap.get('test-ns-one'), 90_000)
    assert.deepEqual(config.warnings, [
      `SLO config in cm.json: unknown key "UserOnlineConfigMapp" ignored (known: ${KNOWN})`,
    ])
  })

  it('still refuses unknown keys inside our own nested objects', () => {
    assert.match(rejection({ defaults: { giveup: '1h' } }).message, /unknown key "giveup"/)
  })
})

describe('parseSloConfig: errors name the key, the value and the expectation', () => {
  const cases: Array<[unknown, string, string]> = [
    [
      { UserOnlineConfigMap: { 'test-ns-one': '90 seconds' } },
      'UserOnlineConfigMap.test-ns-one',
      `invalid SLO config: UserOnlineConfigMap.test-ns-one: "90 seconds" is not a Go duration ${DURATION}`,
    ],
    [
      { ShouldIgnoreSinglePod: 'yes' },
      'ShouldIgnoreSinglePod',
      'invalid SLO config: ShouldIgnoreSinglePod: "yes" is not a boolean (expected true, false, or the string "true" / "false")',
    ],
    [
      { UserSLAConfigMap: { linkeci: 10 } },
      'UserSLAConfigMap.linkeci',
      `invalid SLO config: UserSLAConfigMap.linkeci: 10 is not a string ${DURATION}`,
    ],
    [42, '', 'invalid SLO config: 42 is not an object (expected a JSON object)'],
    [[], '', 'invalid SLO config: [] is not an object (expected a JSON object)'],
    [null, '', 'invalid SLO config: null is not an object (expected a JSON object)'],
    [
      { UserOnlineConfigMap: ['6m'] },
      'UserOnlineConfigMap',
      'invalid SLO config: UserOnlineConfigMap: ["6m"] is not an object (expected an object of namespace → Go duration)',
    ],
    [
      { UserOnlineConfigMap: { a: 90 } },
      'UserOnlineConfigMap.a',
      `invalid SLO config: UserOnlineConfigMap.a: 90 is not a string ${DURATION}`,
    ],
    [
      { IgnoredNamespaceForAudit: 'app-ns' },
      'IgnoredNamespaceForAudit',
      'invalid SLO config: IgnoredNamespaceForAudit: "app-ns" is not an array (expected an array of namespace names)',
    ],
    [
      { IgnoreDeleteReasonNamespace: ['a', 7] },
      'IgnoreDeleteReasonNamespace[1]',
      'invalid SLO config: IgnoreDeleteReasonNamespace[1]: 7 is not a string (expected a namespace name)',
    ],
    [
      { PostStartHookTimeout: '0s' },
      'PostStartHookTimeout',
      'invalid SLO config: PostStartHookTimeout: "0s" is not a positive duration (expected at least "1ms")',
    ],
    [
      { budgets: { imagePull: '-1m' } },
      'budgets.imagePull',
      'invalid SLO config: budgets.imagePull: "-1m" is not a positive duration (expected at least "1ms")',
    ],
    [
      { rules: {} },
      'rules',
      'invalid SLO config: rules: {} is not an array (expected an array of rules (first match wins))',
    ],
    [
      { rules: ['x'] },
      'rules[0]',
      'invalid SLO config: rules[0]: "x" is not an object (expected a rule object { match, create?, delete? })',
    ],
    [
      { rules: [{ create: '1m' }] },
      'rules[0].match',
      'invalid SLO config: rules[0].match: is missing (expected a rule object { match, create?, delete? })',
    ],
    [
      { rules: [{ match: {}, create: '1m' }, { match: {} }] },
      'rules[1]',
      'invalid SLO config: rules[1]: {"match":{}} is not a rule with a threshold (expected a "create" or "delete" threshold)',
    ],
    [
      { rules: [{ match: {}, creat: '1m' }] },
      'rules[0].creat',
      'invalid SLO config: rules[0].creat: unknown key "creat" (expected one of match, create, delete)',
    ],
    [
      { rules: [{ match: { nmespace: 'a' }, create: '1m' }] },
      'rules[0].match.nmespace',
      'invalid SLO config: rules[0].match.nmespace: unknown key "nmespace" (expected one of namespace, namespaceRegex, labels, ownerKind, job)',
    ],
    [
      {
        rules: [
          { match: {}, create: '1m' },
          { match: {}, create: '1m' },
          { match: { namespaceRegex: '(' }, create: '1m' },
        ],
      },
      'rules[2].match.namespaceRegex',
      'invalid SLO config: rules[2].match.namespaceRegex: "(" is not a valid regular expression (expected a JavaScript regular expression, matched against the whole namespace)',
    ],
    [
      { rules: [{ match: { namespaceRegex: 'a)|(b' }, create: '1m' }] },
      'rules[0].match.namespaceRegex',
      'invalid SLO config: rules[0].match.namespaceRegex: "a)|(b" is not a valid regular expression (expected a JavaScript regular expression, matched against the whole namespace)',
    ],
    [
      { rules: [{ match: { labels: 'app=x' }, create: '1m' }] },
      'rules[0].match.labels',
      'invalid SLO config: rules[0].match.labels: "app=x" is not an object (expected an object of label name → value)',
    ],
    [
      { rules: [{ match: { labels: { 'app.kubernetes.io/name': 3 } }, create: '1m' }] },
      'rules[0].match.labels["app.kubernetes.io/name"]',
      'invalid SLO config: rules[0].match.labels["app.kubernetes.io/name"]: 3 is not a string (expected a label value string)',
    ],
    [
      { rules: [{ match: { job: 'yes' }, create: '1m' }] },
      'rules[0].match.job',
      'invalid SLO config: rules[0].match.job: "yes" is not a boolean (expected true or false)',
    ],
    [
      { defaults: { create: '8 minutes' } },
      'defaults.create',
      `invalid SLO config: defaults.create: "8 minutes" is not a Go duration ${DURATION}`,
    ],
    [
      { defaults: { giveup: '1h' } },
      'defaults.giveup',
      'invalid SLO config: defaults.giveup: unknown key "giveup" (expected one of create, createJob, delete, giveUp)',
    ],
    [
      { defaults: [] },
      'defaults',
      'invalid SLO config: defaults: [] is not an object (expected an object { create?, createJob?, delete?, giveUp? })',
    ],
    [
      { budgets: { pull: '1m' } },
      'budgets.pull',
      'invalid SLO config: budgets.pull: unknown key "pull" (expected one of schedule, nodeSetup, imagePull, init, containerStart, readiness)',
    ],
  ]
  for (const [input, key, message] of cases) {
    it(`rejects ${JSON.stringify(input)} at ${key || '(root)'}`, () => {
      const err = rejection(input)
      assert.deepEqual(
        [err.name, err.key, err.origin, err.message],
        ['ConfigError', key, null, message],
      )
    })
  }

  it('carries the rejected value and expectation as fields', () => {
    const err = rejection({ UserOnlineConfigMap: { 'test-ns-one': '90 seconds' } })
    assert.equal(err.value, '90 seconds')
    assert.equal(err.expected, 'e.g. "1m30s", "6m", "480s"')
  })
})

describe('parseSloConfigText', () => {
  it('parses JSON text', () => {
    const config = parseSloConfigText(JSON.stringify(UPSTREAM_EXAMPLE), 'lunettes-config')
    assert.equal(config.userOnlineConfigMap.get('test-ns-two'), 360_000)
  })

  it('names the origin and the JSON syntax problem', () => {
    assert.throws(
      () => parseSloConfigText('{"UserOnlineConfigMap": {', '/etc/lunettes/slo.json'),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError)
        assert.equal(err.key, '')
        assert.equal(err.origin, '/etc/lunettes/slo.json')
        assert.ok(err.cause instanceof SyntaxError)
        assert.match(
          err.message,
          /^invalid SLO config in \/etc\/lunettes\/slo\.json: text is not valid JSON: .+ \(expected a JSON object\)$/,
        )
        return true
      },
    )
  })

  it('names the origin on schema errors', () => {
    assert.throws(
      () => parseSloConfigText('{"PostStartHookTimeout": "soon"}', 'cm/lunettes-config'),
      {
        name: 'ConfigError',
        message: `invalid SLO config in cm/lunettes-config: PostStartHookTimeout: "soon" is not a Go duration ${DURATION}`,
      },
    )
  })
})
