import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { loadSloConfigFile } from '../../config/load.ts'
import { loadSpanConfig } from '../../config/span-config-load.ts'

const SLO = 'test/fixtures/upstream/lunettes-config.json'
const SPANS = 'test/fixtures/upstream/span-config.json'

describe("upstream chart's lunettes-config ConfigMap loads as it is", () => {
  it('the SLO half (lunettes-config key)', () => {
    const config = loadSloConfigFile(SLO)
    assert.deepEqual(Object.fromEntries(config.userOnlineConfigMap), { 'test-ns': 90_000 })
    assert.deepEqual(config.warnings, [])
  })

  it('the span half (span-config key): every entry, span, mode and NameRef', () => {
    const config = loadSpanConfig({ LUNETTES_SPAN_CONFIG: SPANS })
    assert.ok(config)
    assert.deepEqual(
      config.map((e) => e.action),
      ['PodCreate', 'PodDelete'],
    )
    const create = config[0]?.spans ?? []
    assert.equal(create.length, 16)
    const byName = new Map(create.map((s) => [s.name, s]))
    assert.equal(byName.get('volume_attach_span')?.mode, 'direct-info')
    assert.deepEqual(byName.get('volume_mount_span')?.nameRef, ['spec', 'volumes', 'name'])
    assert.deepEqual(byName.get('image_pull_span')?.nameRef, ['spec', 'containers', 'image'])
    assert.equal(byName.get('image_pull_span')?.needClose, true)
    assert.equal(byName.get('container_create_span')?.end.length, 2, 'DirectEvent matchers')
    assert.equal(byName.get('pod_init_span')?.owner, 'custom')
    assert.equal(config[0]?.life?.finish.length, 2, 'LifeFlag with two FinishEvents')
    const del = new Map((config[1]?.spans ?? []).map((s) => [s.name, s]))
    assert.deepEqual(del.get('finalizer_delete_span')?.nameRef, ['metadata', 'finalizers', '$'])
    assert.equal(del.get('container_kill_span')?.end[0]?.exact, 'containerState:set')
  })
})
