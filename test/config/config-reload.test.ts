import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { Registry } from 'prom-client'
import { startConfigReload } from '../../config/config-reload.ts'

function files(t: { after(fn: () => void): void }) {
  const dir = mkdtempSync(join(tmpdir(), 'lunettes-reload-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return { slo: join(dir, 'lunettes-config'), span: join(dir, 'span-config') }
}

function logger() {
  const warns: string[] = []
  return { warns, log: { info: () => {}, warn: (_o: object, msg: string) => warns.push(msg) } }
}

async function reloads(registry: Registry): Promise<Record<string, number>> {
  const metric = await registry.getSingleMetric('lunettes_config_reload_total')?.get()
  const out: Record<string, number> = {}
  for (const v of metric?.values ?? []) out[`${v.labels.config}:${v.labels.result}`] = v.value
  return out
}

const span = (name: string) =>
  JSON.stringify([
    {
      ActionType: 'PodCreate',
      Spans: [{ Name: name, StartEvent: [], EndEvent: [{ Type: 'event', Reason: 'Started' }] }],
    },
  ])

describe('config reload from real files', () => {
  it('applies a valid change, refuses an invalid one and keeps the old config', async (t) => {
    const f = files(t)
    writeFileSync(f.slo, '{"UserOnlineConfigMap": {"shop": "1m"}}')
    writeFileSync(f.span, span('first'))
    const registry = new Registry()
    const { warns, log } = logger()
    const env = { LUNETTES_SLO_CONFIG: f.slo, LUNETTES_SPAN_CONFIG: f.span }
    const r = startConfigReload({ env, registry, log, intervalMs: 3_600_000 })
    t.after(() => r.stop())
    const held = r.slo // a host keeps this object: reloads must reach it
    assert.equal(held.userOnlineConfigMap.get('shop'), 60_000)
    assert.equal(r.spanConfig?.[0]?.spans[0]?.name, 'first')

    writeFileSync(f.slo, '{"UserOnlineConfigMap": {"shop": "2m"}, "ShouldIgnoreSinglePod": "true"}')
    writeFileSync(f.span, span('second'))
    r.poll()
    assert.equal(held.userOnlineConfigMap.get('shop'), 120_000)
    assert.equal(held.shouldIgnoreSinglePod, true)
    assert.equal(r.spanConfig?.[0]?.spans[0]?.name, 'second')

    writeFileSync(f.slo, '{"UserOnlineConfigMap": {"shop": "two minutes"}}')
    writeFileSync(f.span, '[{"ActionType": "PodCreate", "Spans": [{"Name": "x", "Mode": "lua"}]}]')
    r.poll()
    r.poll() // same bad content again: not logged or counted twice
    assert.equal(held.userOnlineConfigMap.get('shop'), 120_000, 'old SLO config kept')
    assert.equal(r.spanConfig?.[0]?.spans[0]?.name, 'second', 'old span config kept')
    assert.equal(warns.filter((w) => w.startsWith('invalid config change')).length, 2)
    assert.deepEqual(await reloads(registry), {
      'slo:applied': 1,
      'span:applied': 1,
      'slo:invalid': 1,
      'span:invalid': 1,
    })

    writeFileSync(f.slo, '{"UserOnlineConfigMap": {"shop": "3m"}, "NewUpstreamKey": 1}')
    r.poll()
    assert.equal(held.userOnlineConfigMap.get('shop'), 180_000, 'fixed config applied')
    assert.ok(warns.some((w) => w.includes('unknown key "NewUpstreamKey"')))
  })

  it('picks a change up by itself on its poll interval', async (t) => {
    const f = files(t)
    writeFileSync(f.slo, '{"UserOnlineConfigMap": {"shop": "1m"}}')
    const r = startConfigReload({ env: { LUNETTES_SLO_CONFIG: f.slo }, intervalMs: 20 })
    t.after(() => r.stop())
    writeFileSync(f.slo, '{"UserOnlineConfigMap": {"shop": "5m"}}')
    const deadline = Date.now() + 10_000
    while (r.slo.userOnlineConfigMap.get('shop') !== 300_000 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    assert.equal(r.slo.userOnlineConfigMap.get('shop'), 300_000)
  })

  it('without files (inline or none) nothing is watched', () => {
    const r = startConfigReload({
      env: { LUNETTES_SLO_CONFIG_JSON: '{"PostStartHookTimeout": "9s"}' },
    })
    assert.equal(r.slo.postStartHookTimeoutMs, 9000)
    assert.equal(r.spanConfig, undefined)
    r.stop()
  })
})
