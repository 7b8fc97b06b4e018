import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { createDiagnose } from '../../actors/lifecycle/diagnosis-hook.ts'
import { DEFAULT_SLO_CONFIG } from '../../config/slo-config.ts'
import type { PodReport } from '../../protocol/pod-report.ts'
import { runReplay } from '../../tools/replay/replay.ts'
import { FakeApiServer, readJsonLines, writeKubeconfig } from '../support/fake-apiserver.ts'
import { cliCommand, stopChild } from '../support/hosts.ts'
import { realdata } from '../support/realdata.ts'
import { freePort } from '../support/servers.ts'

const base = 'events/openshift-ci-metal-2021-09-14'
let api: FakeApiServer | undefined
let dir = ''

before(async () => {
  api = await FakeApiServer.start()
  api.seed('pods', await readJsonLines(realdata(`${base}.pods.jsonl`)))
  api.seed('events', await readJsonLines(realdata(`${base}.events.jsonl`)))
  dir = await mkdtemp(join(tmpdir(), 'lunettes-all-'))
})
after(async () => {
  await api?.close()
  await rm(dir, { recursive: true, force: true })
})

describe('lunettes all --kube --kubeconfig FILE (embedded, fake API server with the metal data)', () => {
  it('lists and watches the cluster; debugpod over HTTP shows what replay reconstructs', async (t) => {
    const kubeconfig = await writeKubeconfig(dir, api?.url ?? '')
    const port = await freePort()
    const child = spawn(
      process.execPath,
      [...cliCommand(), 'all', '--kube', '--kubeconfig', kubeconfig],
      {
        env: {
          ...process.env,
          LUNETTES_HTTP_ADDR: `127.0.0.1:${port}`,
          LUNETTES_METRICS_ADDR: '',
          LOG_LEVEL: 'warn',
          NATS_URL: '',
          REDIS_URL: '',
        },
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    )
    t.after(() => stopChild(child))
    const { reports } = await runReplay({
      inputs: [realdata(`${base}.events.jsonl`), realdata(`${base}.pods.jsonl`)],
      config: DEFAULT_SLO_CONFIG,
      diagnose: createDiagnose(DEFAULT_SLO_CONFIG),
    })
    const url = (q: string) => `http://127.0.0.1:${port}/api/v1/debugpod?${q}`
    const ask = async (q: string) => {
      for (let i = 0; i < 200; i++) {
        const res = await fetch(url(q)).catch(() => null)
        if (res?.status === 200) return (await res.json()) as PodReport
        await sleep(100)
      }
      throw new Error(`no answer for ${q}`)
    }
    const uids = ['7320b81d-3c8c-4c88-b7b5-fd6abfced617', '1c0f3211-d560-4fba-a83a-e20d3e834a63']
    for (const uid of uids) {
      const expected = reports.find((r) => r.uid === uid)
      assert.ok(expected)
      // The collector lists pods and events concurrently: wait until both are folded. Milestones
      // come from the Pod, image pulls from its Events: the Pod alone already gives the
      // milestones, so waiting on them alone read the phases before the Pulled Events were in.
      let live = await ask(`uid=${uid}`)
      const view = (r: PodReport) => JSON.stringify([r.milestones, r.phases, r.sli, r.node])
      const deadline = Date.now() + 30_000
      while (view(live) !== view(expected) && Date.now() < deadline) {
        await sleep(100)
        live = await ask(`uid=${uid}`)
      }
      assert.deepEqual(live.milestones, expected.milestones)
      assert.deepEqual(live.phases, expected.phases)
      assert.deepEqual(live.sli, expected.sli)
      assert.equal(live.node, expected.node)
    }
    const byName = await ask('namespace=openshift-marketplace&name=certified-operators-tqzlc')
    assert.equal(byName.uid, uids[0])
    assert.ok((api?.requests.length ?? 0) > 0)
  })
})
