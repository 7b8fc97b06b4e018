import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { parse } from 'yaml'
import { DEFAULT_SLO_CONFIG } from '../../config/slo-config.ts'
import type { PodReport } from '../../protocol/pod-report.ts'
import { runReplay } from '../../tools/replay/replay.ts'
import { realdata } from '../support/realdata.ts'

async function replay(...files: string[]) {
  return runReplay({ inputs: files.map(realdata), config: DEFAULT_SLO_CONFIG })
}

function pod(reports: PodReport[], uid: string): PodReport {
  const r = reports.find((x) => x.uid === uid)
  assert.ok(r, `no report for ${uid}`)
  return r
}

const times = (r: PodReport) =>
  Object.fromEntries(Object.entries(r.milestones).map(([k, m]) => [k, m.time]))

const metal = [
  'events/openshift-ci-metal-2021-09-14.events.jsonl',
  'events/openshift-ci-metal-2021-09-14.pods.jsonl',
]
const vsphere = [
  'events/openshift-ci-vsphere-2021-09-14.events.jsonl',
  'events/openshift-ci-vsphere-2021-09-14.pods.jsonl',
]

describe('hand-checked timelines of ANALYSIS.md §1.2 (real data)', () => {
  it('G: certified-operators-tqzlc, FailedScheduling 13 min, ErrImagePull, Ready late', async () => {
    const r = pod((await replay(...metal)).reports, '7320b81d-3c8c-4c88-b7b5-fd6abfced617')
    assert.deepEqual(r.owner, { kind: 'CatalogSource', name: 'certified-operators' })
    assert.match(r.node ?? '', /^worker-2\./)
    const t = times(r)
    assert.equal(t.created, '2021-09-14T14:14:08Z')
    assert.equal(t.firstScheduleFailure, '2021-09-14T14:14:08Z')
    assert.equal(t.scheduled, '2021-09-14T14:27:14.132874Z')
    assert.equal(t.sandboxReady, '2021-09-14T14:27:17Z')
    assert.equal(t.containersStarted, '2021-09-14T14:27:44Z')
    assert.equal(t.ready, '2021-09-14T14:27:54Z')
    assert.equal(r.phases.schedule, 786_133)
    assert.equal(r.phases.imagePull, 26_000)
    assert.equal(r.phases.readiness, 10_000)
    assert.equal(r.sli.deliveryMs, 826_000)
    assert.equal(r.restarts, 0)
    assert.equal(r.slo.create.result, 'late')
    assert.equal(r.slo.create.violatedAt, '2021-09-14T14:22:08.000000Z')
  })

  it('H: sdn-controller-z7sjl, master, ErrImagePull then recovered', async () => {
    const r = pod((await replay(...metal)).reports, '1c0f3211-d560-4fba-a83a-e20d3e834a63')
    const t = times(r)
    assert.equal(t.created, '2021-09-14T14:13:02Z')
    assert.equal(t.scheduled, '2021-09-14T14:13:02Z')
    assert.equal(t.sandboxReady, '2021-09-14T14:13:03Z')
    assert.equal(t.containersStarted, '2021-09-14T14:13:16Z')
    assert.equal(t.ready, '2021-09-14T14:13:17Z')
    assert.equal(r.owner?.kind, 'DaemonSet')
    assert.match(r.node ?? '', /^master-0\./)
    assert.equal(r.restarts, 0)
    assert.equal(r.sli.deliveryMs, 15_000)
    assert.equal(r.slo.create.result, 'success')
  })

  it('I: machine-config-daemon-5p6vt, CreateContainerConfigError then recovered', async () => {
    const r = pod((await replay(...vsphere)).reports, 'd8ad5481-e14f-45b8-8537-efa1e82f477a')
    const t = times(r)
    assert.equal(t.created, '2021-09-14T09:42:29Z')
    assert.equal(t.scheduled, '2021-09-14T09:42:29.424324Z')
    assert.equal(t.containersStarted, '2021-09-14T09:42:44Z')
    assert.equal(t.ready, '2021-09-14T09:42:44Z')
    assert.match(r.node ?? '', /worker-smst9$/)
    assert.equal(r.restarts, 0)
    assert.equal(r.slo.create.result, 'success')
  })
})

describe('other real recordings', () => {
  it('kspan (kind watch stream): new pods bound at the recorded times, old pods asked to delete', async () => {
    const { reports } = await replay('events/kspan-kind-deployment-2-pods.yaml')
    assert.equal(
      pod(reports, '18eddc1d-87e8-4f02-8a13-f1e52db52e61').milestones.scheduled?.time,
      '2021-05-19T09:42:58.638469Z',
    )
    assert.equal(
      pod(reports, '57a7a797-6d5b-45cd-8f54-8fa73f62316f').milestones.scheduled?.time,
      '2021-05-19T09:43:06.232051Z',
    )
    assert.equal(
      pod(reports, 'ac780302-1895-43b1-89e0-80f85c8e5457').milestones.deleteRequested?.time,
      '2021-05-19T09:43:06Z',
    )
    assert.equal(
      pod(reports, '50418ee7-d53b-4c03-93ac-444b94fb98d2').milestones.deleteRequested?.time,
      '2021-05-19T09:43:07Z',
    )
    for (const uid of [
      'ac780302-1895-43b1-89e0-80f85c8e5457',
      '50418ee7-d53b-4c03-93ac-444b94fb98d2',
    ]) {
      assert.equal(pod(reports, uid).slo.create.result, 'success')
    }
  })

  it('KHI (GKE Cloud Audit Logs): one pod, created, initialized, containers running, not Ready → incomplete', async () => {
    const files = [1, 2, 3].map((i) => `audit/khi-gke/container_recorder_test_1_${i}.yaml`)
    const { reports, summary } = await replay(...files)
    assert.equal(summary.skipped.length, 0)
    assert.equal(reports.length, 1)
    const r = pod(reports, 'c0b4e00d-da76-4255-9a02-670d5b74aa3a')
    const manifest = parse(
      readFileSync(realdata('audit/khi-gke/container_recorder_test_1_3_manifest.yaml'), 'utf8'),
    ) as {
      status: {
        conditions: { type: string; status: string }[]
        containerStatuses: { state: Record<string, unknown> }[]
      }
    }
    const cond = (type: string) => manifest.status.conditions.find((c) => c.type === type)?.status
    assert.equal(cond('Initialized'), 'True')
    assert.ok(r.milestones.initialized)
    assert.equal(cond('Ready'), 'False')
    assert.equal(r.milestones.ready, undefined)
    assert.ok(manifest.status.containerStatuses.every((c) => 'running' in c.state))
    assert.ok(r.milestones.containersStarted)
    assert.ok(r.milestones.created)
    assert.equal(r.milestones.scheduled, undefined)
    assert.deepEqual(r.owner, { kind: 'ReplicaSet', name: 'nginx-deployment-surge-8655b4b8c5' })
    assert.equal(r.slo.create.result, 'incomplete')
  })

  it('Falco trace lines: each created pod is incomplete and never bound', async () => {
    const { reports, summary } = await replay('audit/falco-minikube-2018-pod-events.jsonl')
    assert.equal(summary.skipped.length, 0)
    assert.equal(reports.length, 9)
    for (const r of reports) {
      assert.equal(r.slo.create.result, 'incomplete', r.name)
      assert.equal(r.milestones.scheduled, undefined, r.name)
      assert.ok(r.milestones.created, r.name)
    }
    assert.ok(
      !reports.some((r) => r.uid === '90a9d57f-d87d-11e8-a473-080027728ac4'),
      'a get is not a create',
    )
  })

  it('audit2rbac demo log: zero pods and no errors', async () => {
    const { reports, summary } = await replay('audit/audit2rbac-demo.log')
    assert.equal(reports.length, 0)
    assert.equal(summary.skipped.length, 0)
    assert.equal(summary.inputs[0]?.records, 37)
  })
})
