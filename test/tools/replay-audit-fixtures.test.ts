import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { DEFAULT_SLO_CONFIG, parseSloConfig } from '../../config/slo-config.ts'
import type { SloAlert } from '../../protocol/alert.ts'
import type { AuditEvent } from '../../protocol/k8s-audit.ts'
import type { PodReport } from '../../protocol/pod-report.ts'
import { runReplay } from '../../tools/replay/replay.ts'
import { neverBoundDeleted, podLifecycle } from '../support/audit-fixtures.ts'
import { micros } from '../support/audit-fixtures-base.ts'
import { MIXED_PODS } from '../support/audit-fixtures-catalog.ts'

const FIXTURES = 'test/fixtures/audit'
let dir = ''

async function jsonl(name: string, events: AuditEvent[]): Promise<string> {
  const path = join(dir, name)
  await writeFile(path, events.map((e) => JSON.stringify(e)).join('\n'))
  return path
}

const byName = (reports: PodReport[], name: string) => {
  const r = reports.find((x) => x.name === name)
  assert.ok(r, `no report for ${name}`)
  return r
}

describe('replay of hand-built audit fixtures (realistic bodies, synthetic pods)', () => {
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lunettes-fixtures-'))
  })
  after(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('mixed pods: success, job delivery, quota rejection, never bound then deleted late', async () => {
    const { reports, summary } = await runReplay({
      inputs: [`${FIXTURES}/mixed-pods.jsonl`],
      config: DEFAULT_SLO_CONFIG,
    })
    assert.equal(summary.skipped.length, 0)
    const r = (p: { name: string }) => byName(reports, p.name)
    assert.equal(r(MIXED_PODS.happy).slo.create.result, 'success')
    assert.equal(r(MIXED_PODS.happy).slo.delete?.result, 'success')
    assert.equal(r(MIXED_PODS.job).slo.create.result, 'success')
    assert.equal(r(MIXED_PODS.job).slo.create.thresholdMs, 90_000)
    assert.equal(r(MIXED_PODS.quota).slo.create.result, 'failed')
    assert.equal(r(MIXED_PODS.neverBound).slo.create.result, 'failed')
    assert.equal(r(MIXED_PODS.neverBound).milestones.scheduled, undefined)
    assert.equal(r(MIXED_PODS.unschedulable).milestones.firstScheduleFailure?.precision, 'us')
    assert.equal(r(MIXED_PODS.happy).milestones.scheduled?.source, 'audit')
  })

  it('a namespace override from UserOnlineConfigMap makes the slow pod late, not the fast one', async () => {
    const config = parseSloConfig({ UserOnlineConfigMap: { 'team-fast': '1m' } })
    const alerts: string[] = []
    const { reports } = await runReplay({
      inputs: [`${FIXTURES}/mixed-pods.jsonl`],
      config,
      onAlert: (a: SloAlert) => alerts.push(a.id),
    })
    const slow = byName(reports, MIXED_PODS.slow.name)
    assert.equal(byName(reports, MIXED_PODS.fast.name).slo.create.result, 'success')
    assert.equal(slow.slo.create.result, 'late')
    assert.equal(slow.slo.create.thresholdMs, 60_000)
    assert.deepEqual(
      alerts
        .filter((id) => id.startsWith(MIXED_PODS.slow.uid))
        .map((id) => id.split(':').slice(1).join(':')),
      ['create:violated', 'create:late', 'create:recovered'],
    )
    assert.equal(byName(reports, MIXED_PODS.happy.name).slo.create.thresholdMs, 480_000)
  })

  it('IgnoredNamespaceForAudit drops a namespace at normalisation', async () => {
    const config = parseSloConfig({ IgnoredNamespaceForAudit: ['kube-system'] })
    const { reports, summary } = await runReplay({
      inputs: [`${FIXTURES}/mixed-pods.jsonl`],
      config,
    })
    assert.ok(!reports.some((r) => r.namespace === 'kube-system'))
    assert.ok((summary.inputs[0]?.dropped['ignored-namespace'] ?? 0) > 0)
  })

  it('killed: never bound and deleted before the deadline', async () => {
    const input = { ...MIXED_PODS.neverBound, createdAt: micros('2024-05-14T10:00:00.100000Z') }
    const file = await jsonl('killed.jsonl', neverBoundDeleted(input, 90_000))
    const { reports } = await runReplay({ inputs: [file], config: DEFAULT_SLO_CONFIG })
    assert.equal(reports.length, 1)
    assert.equal(reports[0]?.slo.create.result, 'killed')
    assert.equal(reports[0]?.slo.create.violatedAt, null)
  })

  it('incomplete: the input ends while the pod is still on its way', async () => {
    const events = podLifecycle({ ...MIXED_PODS.happy }).filter(
      (e) => e.objectRef?.subresource !== 'status',
    )
    const file = await jsonl('incomplete.jsonl', events.slice(0, 3))
    const { reports } = await runReplay({ inputs: [file], config: DEFAULT_SLO_CONFIG })
    assert.equal(reports[0]?.slo.create.result, 'incomplete')
  })

  it('the webhook EventList form gives the same reports as its items as JSON lines', async () => {
    const list = JSON.parse(await readFile(`${FIXTURES}/eventlist.json`, 'utf8')) as {
      items: AuditEvent[]
    }
    const file = await jsonl('eventlist-items.jsonl', list.items)
    const a = await runReplay({
      inputs: [`${FIXTURES}/eventlist.json`],
      config: DEFAULT_SLO_CONFIG,
    })
    const b = await runReplay({ inputs: [file], config: DEFAULT_SLO_CONFIG })
    assert.equal(a.reports.length, 2)
    assert.equal(a.summary.skipped.length, 0)
    assert.deepEqual(a.reports, b.reports)
  })
})
