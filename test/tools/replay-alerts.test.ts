import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { createDiagnose } from '../../actors/lifecycle/diagnosis-hook.ts'
import { DEFAULT_SLO_CONFIG } from '../../config/slo-config.ts'
import type { SloAlert } from '../../protocol/alert.ts'
import { runReplay } from '../../tools/replay/replay.ts'
import { neverBoundDeleted } from '../support/audit-fixtures.ts'
import { micros } from '../support/audit-fixtures-base.ts'
import { MIXED_PODS } from '../support/audit-fixtures-catalog.ts'

let dir = ''

describe('the violated alert names the blocker (end to end through replay, synthetic audit pods)', () => {
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lunettes-alerts-'))
  })
  after(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('a pod unschedulable past its deadline: violated at the deadline with Unschedulable.*', async () => {
    const input = { ...MIXED_PODS.neverBound, createdAt: micros('2024-05-14T10:00:00.100000Z') }
    const file = join(dir, 'unschedulable.jsonl')
    const trail = neverBoundDeleted(input, 900_000)
    await writeFile(file, trail.map((e) => JSON.stringify(e)).join('\n'))
    const alerts: SloAlert[] = []
    const { reports } = await runReplay({
      inputs: [file],
      config: DEFAULT_SLO_CONFIG,
      diagnose: createDiagnose(DEFAULT_SLO_CONFIG),
      onAlert: (a) => alerts.push(a),
    })
    const violated = alerts.find((a) => a.kind === 'violated')
    assert.ok(violated, `alerts: ${alerts.map((a) => a.kind)}`)
    assert.equal(violated.id, `${input.uid}:create:violated`)
    assert.equal(violated.deadline, '2024-05-14T10:08:00.100000Z')
    assert.equal(violated.diagnosis?.code, 'Unschedulable.InsufficientResources')
    assert.equal(violated.diagnosis?.owner, 'platform')
    assert.match(violated.diagnosis?.summary ?? '', /cpu/i)
    assert.ok((violated.diagnosis?.evidence.length ?? 0) > 0)
    // Deleted after the deadline while still blocked: failed, with the same blocker.
    assert.equal(reports[0]?.slo.create.result, 'failed')
    assert.equal(reports[0]?.diagnosis?.code, 'Unschedulable.InsufficientResources')
  })
})
