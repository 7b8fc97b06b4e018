import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { DEFAULT_SLO_CONFIG } from '../../config/slo-config.ts'
import { readAll } from '../../tools/replay/read-signals.ts'

const T0 = '2021-09-14T14:27:17Z'
const event = (over: Record<string, unknown>) => ({
  apiVersion: 'v1',
  kind: 'Event',
  count: 1,
  firstTimestamp: T0,
  lastTimestamp: T0,
  involvedObject: { kind: 'Pod', name: 'web-0', namespace: 'shop', uid: 'pod-uid' },
  message: 'Started container app',
  metadata: { name: 'web-0.1', namespace: 'shop', uid: 'ev-1', creationTimestamp: T0 },
  reason: 'Started',
  source: { component: 'kubelet' },
  type: 'Normal',
  ...over,
})

// Issue #10: fields left out of a usable record are counted with the drop reasons.
describe('replay summary', () => {
  it('counts the fields records left out (bad-time) beside whole-record drops', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'lunettes-field-drops-'))
    t.after(() => rmSync(dir, { recursive: true, force: true }))
    const file = join(dir, 'events.jsonl')
    const lines = [
      event({ firstTimestamp: '1960-01-01T00:00:00Z' }),
      event({ metadata: { name: 'web-0.2', namespace: 'shop', uid: 'ev-2' } }),
      event({ involvedObject: { kind: 'Node', name: 'n1' }, metadata: { uid: 'ev-3' } }),
    ]
    writeFileSync(file, `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`)
    const { stats, signals } = await readAll([file], DEFAULT_SLO_CONFIG, () => {})
    assert.equal(signals.length, 2, 'the record with a 1960 time still gives its signal')
    assert.deepEqual(stats[0]?.dropped, { 'bad-time': 1, 'not-about-a-pod': 1 })
  })
})
