import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { isDeepStrictEqual } from 'node:util'
import { createDiagnose } from '../../actors/lifecycle/diagnosis-hook.ts'
import { DEFAULT_SLO_CONFIG } from '../../config/slo-config.ts'
import { PartitionMessage } from '../../protocol/envelope.ts'
import { compileFastPath } from '../../protocol/schema-fast-path.ts'
import { readAll } from '../../tools/replay/read-signals.ts'
import { DEFAULT_MAX_GAP_MS, runReplay } from '../../tools/replay/replay.ts'
import { replayMessages } from '../../tools/replay/replay-feed.ts'
import { realdata } from '../support/realdata.ts'

const SAMPLE = 'examples/sample-cluster.audit.jsonl.gz'
const metal = [
  realdata('events/openshift-ci-metal-2021-09-14.events.jsonl'),
  realdata('events/openshift-ci-metal-2021-09-14.pods.jsonl'),
]
const lines = (reports: unknown[]) => reports.map((r) => JSON.stringify(r)).join('\n')

describe('replay on the embedded bus: publisher objects vs bytes only (as over NATS)', () => {
  for (const [name, inputs] of [
    ['the sample audit log', [SAMPLE]],
    ['the metal Events and Pods (real data)', metal],
  ] as const) {
    it(`gives byte-identical reports and summaries on ${name}`, async () => {
      const config = DEFAULT_SLO_CONFIG
      const diagnose = createDiagnose(config)
      const alerts = { local: [] as string[], bytes: [] as string[] }
      const local = await runReplay({
        inputs,
        config,
        diagnose,
        onAlert: (a) => alerts.local.push(JSON.stringify(a)),
      })
      const bytes = await runReplay({
        inputs,
        config,
        diagnose,
        localValues: false,
        onAlert: (a) => alerts.bytes.push(JSON.stringify(a)),
      })
      assert.ok(local.reports.length > 10)
      assert.equal(lines(local.reports), lines(bytes.reports))
      assert.deepEqual(local.summary, bytes.summary)
      assert.deepEqual(alerts.local.sort(), alerts.bytes.sort())
    })
  }

  it('every envelope of the sample is JSON-clean: its object decodes as its bytes would', async () => {
    // The embedded path checks the object with the schema instead of decoding the bytes; that is
    // the same only while the object has nothing JSON would change (undefined, NaN, a Date…).
    const fast = compileFastPath(PartitionMessage)
    const { signals } = await readAll([SAMPLE, ...metal], DEFAULT_SLO_CONFIG, () => {})
    let n = 0
    for (const { msg } of replayMessages(signals, 32, DEFAULT_MAX_GAP_MS * 1000, 'r')) {
      const out = { ...msg, seq: ++n }
      const fromBytes = fast(JSON.parse(JSON.stringify(out)))
      assert.ok(isDeepStrictEqual(fast(out), fromBytes), `envelope ${n} differs`)
    }
    assert.ok(n > 1000)
  })
})
