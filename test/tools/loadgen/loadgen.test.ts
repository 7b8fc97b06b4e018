import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { createDiagnose } from '../../../actors/lifecycle/diagnosis-hook.ts'
import { DEFAULT_SLO_CONFIG } from '../../../config/slo-config.ts'
import { auditLines, eventLists, generateAudit } from '../../../tools/loadgen/cluster.ts'
import { runReplay } from '../../../tools/replay/replay.ts'

describe('loadgen: a deterministic synthetic cluster as audit records', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lunettes-loadgen-'))
  after(() => rmSync(dir, { recursive: true, force: true }))
  const g = generateAudit({ pods: 300, seed: 5 })

  it('the same seed gives the same bytes; another seed does not', () => {
    assert.deepEqual(auditLines(generateAudit({ pods: 300, seed: 5 })), auditLines(g))
    assert.notDeepEqual(auditLines(generateAudit({ pods: 300, seed: 6 })), auditLines(g))
  })

  it('noise makes up the asked share of the volume, records are in stage-time order', () => {
    const share = g.noise / g.records.length
    assert.ok(Math.abs(share - 0.7) < 0.01, `noise share ${share}`)
    for (let i = 1; i < g.records.length; i++) {
      assert.ok((g.records[i]?.at ?? 0) >= (g.records[i - 1]?.at ?? 0), `out of order at ${i}`)
    }
  })

  it('pod bodies weigh like real ones (3-8 KB with managedFields)', () => {
    const sizes = g.records
      .filter((r) => (r.record.objectRef as { resource?: string }).resource === 'pods')
      .filter((r) => (r.record.responseObject as { kind?: string } | undefined)?.kind === 'Pod')
      .map((r) => JSON.stringify(r.record.responseObject).length)
    const median = sizes.sort((a, b) => a - b)[Math.floor(sizes.length / 2)] ?? 0
    assert.ok(median >= 3000 && median <= 8000, `median pod body ${median} bytes`)
  })

  it('webhook batches hold every record once, at most 400 per EventList', () => {
    const bodies = eventLists(g).map((b) => JSON.parse(b) as { kind: string; items: unknown[] })
    assert.ok(bodies.every((b) => b.kind === 'EventList' && b.items.length <= 400))
    assert.equal(
      bodies.reduce((n, b) => n + b.items.length, 0),
      g.records.length,
    )
  })

  it('replay makes of each outcome what it is: no malformed line, every pod reported', async () => {
    const file = join(dir, 'cluster.jsonl')
    writeFileSync(file, `${auditLines(g).join('\n')}\n`)
    const run = await runReplay({
      inputs: [file],
      config: DEFAULT_SLO_CONFIG,
      diagnose: createDiagnose(DEFAULT_SLO_CONFIG),
    })
    assert.equal(run.summary.inputs[0]?.malformed, 0)
    assert.equal(run.reports.length, g.outcomes.size)
    const expected: Record<string, (r: (typeof run.reports)[number]) => boolean> = {
      success: (r) => r.slo.create?.result === 'success' && r.diagnosis === null,
      slowSchedule: (r) => r.slo.create?.result === 'late',
      failedSchedulingThenBound: (r) =>
        r.slo.create?.result === 'success' &&
        r.diagnosis?.code.startsWith('Unschedulable') === true,
      imagePullError: (r) => r.diagnosis?.code.startsWith('Image') === true,
      crashLoop: (r) => r.diagnosis?.code === 'CrashLoopBackOff',
      deletedBeforeReady: (r) => r.slo.create?.result === 'killed',
    }
    const wrong: string[] = []
    for (const r of run.reports) {
      const outcome = g.outcomes.get(r.uid)
      assert.ok(outcome, `unknown uid ${r.uid}`)
      if (!expected[outcome]?.(r))
        wrong.push(`${outcome}: ${r.slo.create?.result} ${r.diagnosis?.code}`)
    }
    assert.deepEqual(wrong, [])
  })
})
