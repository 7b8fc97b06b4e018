import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { createDiagnose } from '../../actors/lifecycle/diagnosis-hook.ts'
import { DEFAULT_SLO_CONFIG } from '../../config/slo-config.ts'
import type { SloAlert } from '../../protocol/alert.ts'
import { runReplay } from '../../tools/replay/replay.ts'
import { podLifecycle } from '../support/audit-fixtures.ts'
import { micros } from '../support/audit-fixtures-base.ts'
import { podDeletion } from '../support/audit-fixtures-delete.ts'

let dir = ''
const T0 = micros('2024-05-14T10:00:00.120731Z')
const owner = { kind: 'ReplicaSet', name: 'web-7d9f' }

describe('replay writes the delete diagnosis and the delete alerts carry it (synthetic audit pods)', () => {
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lunettes-delete-'))
  })
  after(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('a finalizer that never went: violated at the delete deadline, timeout, DeleteBlocked.Finalizer', async () => {
    const stuck = podDeletion(
      {
        namespace: 'shop',
        name: 'web-stuck',
        createdAt: T0,
        owner,
        finalizers: ['example.com/cleanup'],
      },
      { deleteAfterMs: 60_000, grace: 30, stopMs: 1_400, exit: 'sigterm', kubeletConfirms: true },
    )
    // A pod every 4 min (no observation gap) moves the signal clock past the delete deadline and
    // then the give-up time.
    const later = [4, 8, 12, 16, 20, 24, 28, 32, 36, 40].flatMap((min) =>
      podLifecycle({ namespace: 'shop', name: `web-${min}`, createdAt: T0 + min * 60e6, owner }),
    )
    const file = join(dir, 'delete.jsonl')
    await writeFile(file, [...stuck, ...later].map((e) => JSON.stringify(e)).join('\n'))
    const alerts: SloAlert[] = []
    const { reports } = await runReplay({
      inputs: [file],
      config: DEFAULT_SLO_CONFIG,
      // One partition: every pod's signals advance the stuck pod's partition clock too.
      partitions: 1,
      diagnose: createDiagnose(DEFAULT_SLO_CONFIG),
      onAlert: (a) => alerts.push(a),
    })
    const r = reports.find((x) => x.name === 'web-stuck')
    assert.ok(r)
    assert.equal(r.slo.create.result, 'success')
    assert.equal(r.diagnosis, null)
    assert.equal(r.slo.delete?.result, 'timeout')
    assert.equal(r.deleteDiagnosis?.code, 'DeleteBlocked.Finalizer')
    assert.equal(r.deleteDiagnosis?.owner, 'user')
    assert.match(r.deleteDiagnosis?.detail ?? '', /example\.com\/cleanup/)
    const kinds = alerts.filter((a) => a.uid === r.uid).map((a) => `${a.slo}:${a.kind}`)
    assert.deepEqual(kinds, ['delete:violated', 'delete:timeout'])
    for (const a of alerts.filter((x) => x.uid === r.uid)) {
      assert.equal(a.diagnosis?.code, 'DeleteBlocked.Finalizer')
      assert.ok((a.diagnosis?.evidence.length ?? 0) > 0)
    }
    assert.equal(reports.find((x) => x.name === 'web-40')?.deleteDiagnosis, null)
  })
})
