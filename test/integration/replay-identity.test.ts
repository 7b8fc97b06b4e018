import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createDiagnose } from '../../actors/lifecycle/diagnosis-hook.ts'
import { DEFAULT_SLO_CONFIG } from '../../config/slo-config.ts'
import { runReplay } from '../../tools/replay/replay.ts'
import { realdata } from '../support/realdata.ts'
import { useServers } from '../support/servers.ts'

const servers = useServers()

const lines = (reports: unknown[]) => reports.map((r) => JSON.stringify(r)).join('\n')

for (const cluster of ['metal', 'vsphere']) {
  describe(`replay of ${cluster}: embedded runtime vs NATS + Redis with two actor hosts`, () => {
    it('gives byte-identical report files', async () => {
      const base = `events/openshift-ci-${cluster}-2021-09-14`
      const inputs = [realdata(`${base}.events.jsonl`), realdata(`${base}.pods.jsonl`)]
      const config = DEFAULT_SLO_CONFIG
      const diagnose = createDiagnose(config)
      const embedded = await runReplay({ inputs, config, diagnose })
      const alerts: string[] = []
      const distributed = await runReplay({
        inputs,
        config,
        diagnose,
        hosts: 2,
        backends: { natsUrl: servers.nats.url, redisUrl: servers.redis.url },
        onAlert: (a) => alerts.push(a.id),
        onHosts: (owned) => {
          assert.deepEqual(
            owned.map((o) => o.length),
            [16, 16],
            'two hosts share the partitions',
          )
        },
      })
      assert.ok(embedded.reports.length > 250)
      assert.equal(distributed.reports.length, embedded.reports.length)
      assert.equal(lines(distributed.reports), lines(embedded.reports))
      assert.equal(new Set(alerts).size, alerts.length, 'no alert twice')
    })
  })
}

describe('replay of metal with nothing kept in memory (cacheSize 0, embedded)', () => {
  it('gives the same reports: every actor and name is read back from the store each batch', async () => {
    const base = 'events/openshift-ci-metal-2021-09-14'
    const inputs = [realdata(`${base}.events.jsonl`), realdata(`${base}.pods.jsonl`)]
    const config = DEFAULT_SLO_CONFIG
    const diagnose = createDiagnose(config)
    const kept = await runReplay({ inputs, config, diagnose })
    const passivated = await runReplay({ inputs, config, diagnose, cacheSize: 0 })
    assert.equal(lines(passivated.reports), lines(kept.reports))
  })
})
