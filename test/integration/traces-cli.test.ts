import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { replayCommand } from '../../tools/replay/command.ts'
import { startOtlpReceiver } from '../support/otlp-receiver.ts'

describe('lunettes replay exports traces when an OTLP endpoint is set', () => {
  it('flushes every trace before it returns, with the span config of LUNETTES_SPAN_CONFIG', async (t) => {
    const receiver = await startOtlpReceiver()
    const dir = mkdtempSync(join(tmpdir(), 'lunettes-traces-'))
    const saved = { ...process.env }
    t.after(async () => {
      process.env = saved
      rmSync(dir, { recursive: true, force: true })
      await receiver.close()
    })
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = receiver.endpoint
    process.env.LUNETTES_SPAN_CONFIG = 'test/fixtures/span-config/upstream-example.json'
    const out = join(dir, 'reports.jsonl')
    const code = await replayCommand([
      '--input',
      'test/fixtures/audit/mixed-pods.jsonl',
      '--output',
      out,
    ])
    assert.equal(code, 0)
    const reports = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { traceId: string; slo: { create: { result: string } } })
    const roots = receiver.spans.filter((s) => s.name === 'PodCreate')
    assert.deepEqual(
      roots.map((s) => s.traceId).sort(),
      reports.map((r) => r.traceId).sort(),
      'every pod of the fixture reached a final create verdict and was exported',
    )
    assert.ok(receiver.spans.some((s) => s.name === 'default_schedule_span'))
    assert.ok(receiver.spans.some((s) => s.name === 'PodDelete'))
  })
})
