import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it, type TestContext } from 'node:test'
import { ConfigError } from '../../config/config-error.ts'
import {
  createSloConfigHolder,
  loadSloConfig,
  loadSloConfigFile,
  SloConfigHolder,
} from '../../config/load.ts'
import { DEFAULT_SLO_CONFIG } from '../../config/slo-config.ts'

const UPSTREAM_JSON =
  '{"UserOnlineConfigMap":{"test-ns-one":"1m30s","test-ns-two":"6m"},' +
  '"IgnoredNamespaceForAudit":["app-ns"],"IgnoreDeleteReasonNamespace":["test-ns-three","test-ns-four"]}'

/** Writes `text` to a fresh temp file removed after the test; returns its path. */
function tempFile(t: TestContext, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'lunettes-slo-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const path = join(dir, 'lunettes-config.json')
  writeFileSync(path, text)
  return path
}

function configError(check: (err: ConfigError) => void): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof ConfigError)
    check(err)
    return true
  }
}

describe('loadSloConfig', () => {
  it('returns the defaults when neither variable is set', () => {
    assert.equal(loadSloConfig({}), DEFAULT_SLO_CONFIG)
  })

  it('treats empty variables as unset', () => {
    const env = { LUNETTES_SLO_CONFIG: '', LUNETTES_SLO_CONFIG_JSON: '' }
    assert.equal(loadSloConfig(env), DEFAULT_SLO_CONFIG)
  })

  it('reads LUNETTES_SLO_CONFIG as a file path', (t) => {
    const path = tempFile(t, UPSTREAM_JSON)
    const config = loadSloConfig({ LUNETTES_SLO_CONFIG: path })
    assert.equal(config.userOnlineConfigMap.get('test-ns-one'), 90_000)
    assert.equal(config.ignoreDeleteReasonNamespace.has('test-ns-four'), true)
  })

  it('parses LUNETTES_SLO_CONFIG_JSON inline', () => {
    const config = loadSloConfig({ LUNETTES_SLO_CONFIG_JSON: UPSTREAM_JSON })
    assert.equal(config.userOnlineConfigMap.get('test-ns-two'), 360_000)
  })

  it('rejects both variables at once', () => {
    const env = { LUNETTES_SLO_CONFIG: '/etc/slo.json', LUNETTES_SLO_CONFIG_JSON: '{}' }
    assert.throws(
      () => loadSloConfig(env),
      configError((err) => {
        assert.equal(err.key, 'LUNETTES_SLO_CONFIG_JSON')
        assert.equal(
          err.message,
          'invalid SLO config: LUNETTES_SLO_CONFIG_JSON: is set together with ' +
            'LUNETTES_SLO_CONFIG="/etc/slo.json" (expected at most one of LUNETTES_SLO_CONFIG ' +
            '(file path) and LUNETTES_SLO_CONFIG_JSON (inline JSON))',
        )
      }),
    )
  })

  it('names the variable and path of an unreadable file', () => {
    const path = join(tmpdir(), 'lunettes-slo-does-not-exist', 'x.json')
    assert.throws(
      () => loadSloConfig({ LUNETTES_SLO_CONFIG: path }),
      configError((err) => {
        assert.equal(err.key, 'LUNETTES_SLO_CONFIG')
        assert.equal(err.value, path)
        assert.ok(
          err.message.startsWith(
            `invalid SLO config: LUNETTES_SLO_CONFIG: "${path}" cannot be read (ENOENT`,
          ),
        )
        assert.ok(err.message.endsWith('(expected a readable JSON file)'))
      }),
    )
  })

  it('names the variable as origin of invalid inline JSON', () => {
    assert.throws(() => loadSloConfig({ LUNETTES_SLO_CONFIG_JSON: '{"rules": 3}' }), {
      message:
        'invalid SLO config in LUNETTES_SLO_CONFIG_JSON: rules: 3 is not an array ' +
        '(expected an array of rules (first match wins))',
    })
  })

  it('uses the injected reader', () => {
    const read = (p: string) => (p === 'mem://slo' ? '{"defaults":{"create":"4m"}}' : '')
    const config = loadSloConfig({ LUNETTES_SLO_CONFIG: 'mem://slo' }, read)
    assert.equal(config.defaultsMs.create, 240_000)
  })
})

describe('loadSloConfigFile', () => {
  it('loads a file', (t) => {
    const path = tempFile(t, UPSTREAM_JSON)
    assert.deepEqual([...loadSloConfigFile(path).ignoredNamespaceForAudit], ['app-ns'])
  })

  it('names the file in schema errors', (t) => {
    const path = tempFile(t, '{"UserOnlineConfigMap":{"test-ns-one":"90 seconds"}}')
    assert.throws(() => loadSloConfigFile(path), {
      message:
        `invalid SLO config in ${path}: UserOnlineConfigMap.test-ns-one: "90 seconds" is not a ` +
        'Go duration (expected e.g. "1m30s", "6m", "480s")',
    })
  })

  it('names the file in JSON syntax errors', (t) => {
    const path = tempFile(t, '{"IgnoredNamespaceForAudit": [}')
    assert.throws(
      () => loadSloConfigFile(path),
      configError((err) => {
        assert.equal(err.origin, path)
        assert.ok(err.message.startsWith(`invalid SLO config in ${path}: text is not valid JSON: `))
      }),
    )
  })

  it('reports a missing file under the --slo-config key', () => {
    assert.throws(
      () => loadSloConfigFile('/nonexistent/lunettes.json'),
      configError((err) => assert.equal(err.key, '--slo-config')),
    )
  })
})

describe('SloConfigHolder', () => {
  it('starts from the initial config', () => {
    assert.equal(createSloConfigHolder().current(), DEFAULT_SLO_CONFIG)
    const initial = loadSloConfig({ LUNETTES_SLO_CONFIG_JSON: UPSTREAM_JSON })
    assert.equal(createSloConfigHolder(initial).current(), initial)
  })

  it('swaps in a valid reload', () => {
    const holder = new SloConfigHolder()
    assert.deepEqual(holder.reload(UPSTREAM_JSON, 'cm'), { ok: true })
    assert.equal(holder.current().userOnlineConfigMap.get('test-ns-one'), 90_000)
  })

  it('keeps the last good config when a reload is invalid', () => {
    const holder = createSloConfigHolder()
    assert.deepEqual(holder.reload(UPSTREAM_JSON, 'cm'), { ok: true })
    const good = holder.current()
    const bad = holder.reload('{"UserOnlineConfigMap":{"test-ns-one":"soon"}}', 'cm')
    assert.equal(bad.ok, false)
    assert.ok(!bad.ok && bad.error instanceof ConfigError)
    assert.equal(bad.error.key, 'UserOnlineConfigMap.test-ns-one')
    assert.equal(bad.error.origin, 'cm')
    assert.equal(holder.current(), good)
  })

  it('keeps the last good config when a reload is not JSON', () => {
    const holder = createSloConfigHolder()
    holder.reload(UPSTREAM_JSON, 'cm')
    const good = holder.current()
    const bad = holder.reload('not json', 'cm')
    assert.equal(bad.ok, false)
    assert.equal(holder.current(), good)
  })
})
