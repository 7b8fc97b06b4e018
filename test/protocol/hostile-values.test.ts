import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import * as v from 'valibot'
import { normalizeAuditEvent } from '../../protocol/normalize-audit.ts'
import { normalizeK8sEvent } from '../../protocol/normalize-event.ts'
import { normalizePod } from '../../protocol/normalize-pod.ts'
import {
  dropCounts,
  type Normalized,
  type PodSignal,
  PodSignal as PodSignalSchema,
} from '../../protocol/pod-signal.ts'
import { MAX_TIME, parseTime } from '../../protocol/time.ts'

// Issue #10 item 2: impossible values are rejected per field at the protocol boundary; the rest
// of the record still gives its signals, and what was left out is counted by reason.

const us = (s: string): number => parseTime(s)?.time ?? Number.NaN
const ok = (r: Normalized): Extract<Normalized, { ok: true }> => {
  assert.ok(r.ok, `expected signals, got ${JSON.stringify(r)}`)
  return r
}
const validSignals = (r: Normalized): readonly PodSignal[] => {
  const signals = ok(r).signals
  for (const s of signals) assert.ok(v.is(PodSignalSchema, s), JSON.stringify(s))
  return signals
}

const T0 = '2021-09-14T14:27:17Z'
const event = (over: Record<string, unknown>) => ({
  apiVersion: 'v1',
  kind: 'Event',
  count: 1,
  firstTimestamp: T0,
  lastTimestamp: T0,
  involvedObject: { kind: 'Pod', name: 'web-0', namespace: 'shop', uid: 'pod-uid' },
  message: 'Started container app',
  metadata: { creationTimestamp: T0, name: 'web-0.1', namespace: 'shop', uid: 'ev-1' },
  reason: 'Started',
  source: { component: 'kubelet' },
  type: 'Normal',
  ...over,
})
const EVENT = { source: 'event', finalState: true } as const

describe('times outside 1970–9999', () => {
  it('parseTime refuses them, whatever the offset or the two-digit-year trap', () => {
    assert.equal(parseTime('1970-01-01T00:00:00Z')?.time, 0)
    assert.equal(parseTime('9999-12-31T23:59:59.999999Z')?.time, MAX_TIME)
    assert.equal(parseTime('1969-12-31T23:59:59Z'), undefined)
    assert.equal(parseTime('1960-01-01T00:00:00Z'), undefined)
    assert.equal(parseTime('1970-01-01T00:30:00+01:00'), undefined)
    assert.equal(parseTime('1969-12-31T23:30:00-01:00')?.time, 30 * 60 * 1_000_000)
    assert.equal(parseTime('9999-12-31T23:30:00-01:00'), undefined)
    assert.equal(parseTime('0070-01-01T00:00:00Z'), undefined, 'Date.UTC reads 0070 as 1970')
    assert.equal(parseTime('0001-01-01T00:00:00Z'), undefined)
  })

  it('an Event whose client-set firstTimestamp is 1960 is placed at its other times, counted', () => {
    const r = normalizeK8sEvent(event({ firstTimestamp: '1960-05-01T00:00:00Z' }), EVENT)
    const [s] = validSignals(r)
    assert.equal(s?.time, us(T0))
    assert.equal(s?.event?.first, us(T0), 'the first occurrence falls back to creationTimestamp')
    assert.deepEqual(ok(r).fieldDrops, { 'bad-time': 1 })
    assert.deepEqual(dropCounts(r), [['bad-time', 1]])
  })

  it('an Event with no usable time at all is invalid, not a signal at 1960', () => {
    const old = '1960-05-01T00:00:00Z'
    const r = normalizeK8sEvent(
      event({
        firstTimestamp: old,
        lastTimestamp: old,
        metadata: { name: 'e', namespace: 'shop', creationTimestamp: old },
      }),
      EVENT,
    )
    assert.equal(r.ok, false)
    assert.ok('invalid' in r && /no timestamp/.test(r.invalid))
  })

  it('an audit record with a 1960 requestReceivedTimestamp keeps its signal without it', () => {
    const r = normalizeAuditEvent({
      kind: 'Event',
      apiVersion: 'audit.k8s.io/v1',
      auditID: 'a-1',
      stage: 'ResponseComplete',
      verb: 'create',
      objectRef: { resource: 'pods', subresource: 'binding', namespace: 'shop', name: 'web-0' },
      responseStatus: { code: 201 },
      requestObject: { kind: 'Binding', target: { name: 'node-1' } },
      requestReceivedTimestamp: '1960-01-01T00:00:00.000000Z',
      stageTimestamp: '2021-09-14T14:27:17.000000Z',
    })
    const [s] = validSignals(r)
    assert.equal(s?.received, undefined)
    assert.deepEqual(ok(r).fieldDrops, { 'bad-time': 1 })
  })
})

describe('non-finite numbers and negative counts', () => {
  it('an Event count of 1e309 (Infinity once parsed) is left out: one occurrence', () => {
    const r = normalizeK8sEvent(
      JSON.parse(JSON.stringify(event({})).replace('"count":1', '"count":1e309')),
      EVENT,
    )
    const signals = validSignals(r)
    assert.deepEqual(
      signals.map((s) => s.event?.count),
      [1],
    )
    assert.deepEqual(ok(r).fieldDrops, { 'bad-number': 1 })
  })

  it('a negative series count is left out, counted', () => {
    const r = normalizeK8sEvent(
      event({ series: { count: -5, lastObservedTime: '2021-09-14T14:28:00.000000Z' } }),
      EVENT,
    )
    validSignals(r)
    assert.deepEqual(ok(r).fieldDrops, { 'bad-number': 1 })
  })

  it('a Pod with impossible restart count, exit code and grace keeps its other signals', () => {
    const text = JSON.stringify({
      kind: 'Pod',
      metadata: {
        name: 'web-0',
        namespace: 'shop',
        uid: 'pod-uid',
        creationTimestamp: T0,
        deletionTimestamp: '2021-09-14T14:30:00Z',
        deletionGracePeriodSeconds: 'GRACE',
        labels: { app: 'web', 'bad key!': 'x', tier: '-leading-dash' },
      },
      status: {
        phase: 'Failed',
        containerStatuses: [
          {
            name: 'app',
            restartCount: -3,
            state: { terminated: { exitCode: 'EXIT', reason: 'Error', finishedAt: T0 } },
          },
          { name: 'Not_A_Label', ready: true },
        ],
      },
    })
    const pod = JSON.parse(text.replace('"GRACE"', '1e309').replace('"EXIT"', '-1e309'))
    const r = normalizePod(pod, { source: 'list' })
    const signals = validSignals(r)
    const ops = signals.flatMap((s) => s.ops)
    const terminated = ops.find((o) => o.op.startsWith('containerState:app:terminated'))
    assert.equal(terminated?.op, 'containerState:app:terminated:Error')
    assert.equal(terminated?.exitCode, undefined)
    assert.ok(!ops.some((o) => o.op.startsWith('containerRestartCount')))
    assert.ok(!ops.some((o) => o.container === 'Not_A_Label'))
    const del = ops.find((o) => o.op === 'pod:delete:success')
    assert.equal(del?.grace, 0, 'an impossible grace is taken as none')
    assert.deepEqual(signals[0]?.facts?.labels, { app: 'web' })
    assert.deepEqual(ok(r).fieldDrops, { 'bad-number': 3, 'bad-name': 3 })
  })

  it('an audit response code of 1e309 is left out (the record reads as a trimmed line)', () => {
    const r = normalizeAuditEvent(
      JSON.parse(
        JSON.stringify({
          auditID: 'a-2',
          stage: 'ResponseComplete',
          verb: 'create',
          objectRef: { resource: 'pods', subresource: 'binding', namespace: 'shop', name: 'w' },
          responseStatus: { code: 'CODE' },
          stageTimestamp: '2021-09-14T14:27:17.000000Z',
        }).replace('"CODE"', '1e309'),
      ),
    )
    validSignals(r)
    assert.deepEqual(ok(r).fieldDrops, { 'bad-number': 1 })
  })
})
