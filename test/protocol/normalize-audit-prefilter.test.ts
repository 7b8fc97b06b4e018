import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { normalizeAuditEvent } from '../../protocol/normalize-audit.ts'
import { prefilterAuditLine, quickDropAudit } from '../../protocol/normalize-audit-prefilter.ts'
import { auditLines, generateAudit } from '../../tools/loadgen/cluster.ts'

const base = {
  kind: 'Event',
  apiVersion: 'audit.k8s.io/v1',
  level: 'RequestResponse',
  auditID: 'a-1',
  stage: 'ResponseComplete',
  verb: 'update',
  objectRef: {
    resource: 'leases',
    namespace: 'kube-node-lease',
    name: 'n1',
    apiGroup: 'coordination.k8s.io',
  },
  responseStatus: { code: 200 },
  requestObject: { kind: 'Lease', spec: { holderIdentity: 'n1' } },
  responseObject: { kind: 'Lease', spec: { holderIdentity: 'n1' } },
  requestReceivedTimestamp: '2024-06-01T08:00:00.012500Z',
  stageTimestamp: '2024-06-01T08:00:00.017148Z',
}
const line = (o: object) => JSON.stringify(o)

describe('audit pre-filter', () => {
  it('agrees with normalizeAuditEvent on every record of a synthetic cluster it judges', () => {
    const lines = auditLines(generateAudit({ pods: 40, seed: 5 }))
    let judged = 0
    for (const text of lines) {
      const full = normalizeAuditEvent(JSON.parse(text))
      const fromText = prefilterAuditLine(text)
      const fromObject = quickDropAudit(JSON.parse(text))
      for (const verdict of [fromText, fromObject]) {
        if (verdict === undefined) continue
        judged++
        assert.deepEqual(full, { ok: false, dropped: verdict }, text.slice(0, 300))
      }
      // Whatever normalises to signals is never dropped unread.
      if (full.ok) assert.equal(fromText, undefined)
    }
    assert.ok(judged > lines.length, `judged ${judged} of ${lines.length} records twice`)
  })

  it('drops noise by resource, verb, stage and ignored namespace', () => {
    assert.equal(prefilterAuditLine(line(base)), 'irrelevant-resource')
    const podGet = {
      ...base,
      verb: 'get',
      objectRef: { resource: 'pods', namespace: 'a', name: 'p' },
    }
    assert.equal(prefilterAuditLine(line(podGet)), 'irrelevant-verb')
    assert.equal(
      prefilterAuditLine(line({ ...base, stage: 'RequestReceived' })),
      'irrelevant-stage',
    )
    const podWrite = { ...podGet, verb: 'patch' }
    assert.equal(prefilterAuditLine(line(podWrite), new Set(['a'])), 'ignored-namespace')
    assert.equal(prefilterAuditLine(line(podWrite)), undefined)
  })

  it('leaves to the full parse what it cannot read plainly', () => {
    // An escaped resource name is `pods` to JSON.parse: never judged from the text.
    const escaped = line({ ...base, objectRef: { resource: 'pods' } }).replace(
      '"pods"',
      '"pod\\u0073"',
    )
    assert.equal(prefilterAuditLine(escaped), undefined)
    // A repeated top-level objectRef: JSON.parse keeps the last one; the scan does not guess.
    const twice = line(base).replace(
      '"responseStatus"',
      '"objectRef":{"resource":"pods","namespace":"a","name":"p"},"responseStatus"',
    )
    assert.equal(prefilterAuditLine(twice), undefined)
    assert.equal(prefilterAuditLine('{"kind":"Event",'), undefined)
    assert.equal(prefilterAuditLine('not json'), undefined)
    assert.equal(prefilterAuditLine(line({ ...base, verb: 42 })), undefined)
    assert.equal(prefilterAuditLine(line({ ...base, apiVersion: 'v1', kind: 'Pod' })), undefined)
    assert.equal(prefilterAuditLine(line({ kind: 'EventList', items: [base] })), undefined)
    assert.equal(quickDropAudit({ ...base, objectRef: { resource: 7 } }), undefined)
    assert.equal(
      quickDropAudit({ ...base, stageTimestamp: 'yesterday', timestamp: undefined }),
      undefined,
    )
  })

  it('is not misled by objectRef-like keys inside a body, before or after the bodies', () => {
    const body = { spec: { objectRef: { resource: 'leases' } }, stage: 'RequestReceived' }
    const pod = {
      ...base,
      verb: 'create',
      objectRef: { resource: 'pods', namespace: 'a', name: 'p' },
    }
    assert.equal(prefilterAuditLine(line({ ...pod, requestObject: body })), undefined)
    // Fields written after the bodies (another writer's order) are still read at the top level.
    const { objectRef, stage, ...rest } = base
    assert.equal(prefilterAuditLine(line({ ...rest, objectRef, stage })), 'irrelevant-resource')
  })
})
