import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { normalizeK8sEvent } from '../../protocol/normalize-event.ts'
import type { Normalized, PodKey, PodSignal } from '../../protocol/pod-signal.ts'
import { parseTime } from '../../protocol/time.ts'

const FINAL = { source: 'event', finalState: true } as const
const WATCH = { source: 'watch', finalState: false } as const
type Over = Record<string, unknown>

const us = (s: string): number => parseTime(s)?.time ?? Number.NaN
const signals = (r: Normalized): readonly PodSignal[] => {
  assert.ok(r.ok, `expected signals, got ${JSON.stringify(r)}`)
  return r.signals
}

const [T0, T1] = ['2021-09-14T14:27:17Z', '2021-09-14T14:27:29Z']
const [E0, E1] = ['2021-09-14T14:14:59.671767Z', '2021-09-14T14:15:59.673421Z']
const POD = { kind: 'Pod', name: 'web-0', namespace: 'shop', uid: 'pod-uid' }
const POD_KEY = { namespace: 'shop', name: 'web-0', uid: 'pod-uid' }

/** Legacy core/v1 Event (client-go record, kubelet); field set as in the OpenShift data. */
const legacy = (over: Over = {}) => ({
  apiVersion: 'v1',
  kind: 'Event',
  count: 1,
  firstTimestamp: T0,
  lastTimestamp: T0,
  involvedObject: { ...POD, apiVersion: 'v1', fieldPath: 'spec.containers{app}' },
  message: 'Back-off pulling image "registry.example/app:1"',
  metadata: { creationTimestamp: T0, name: 'web-0.1', namespace: 'shop', uid: 'ev-legacy' },
  reason: 'BackOff',
  source: { component: 'kubelet', host: 'worker-2' },
  type: 'Normal',
  ...over,
})

/** core/v1 view of an events-API-written Event (scheduler), as in the OpenShift data. */
const seriesEvent = (over: Over = {}) =>
  legacy({
    count: undefined,
    eventTime: E0,
    firstTimestamp: null,
    lastTimestamp: null,
    reason: 'FailedScheduling',
    reportingComponent: 'default-scheduler',
    series: { count: 1, lastObservedTime: E1 },
    source: {},
    ...over,
  })

/** A native events.k8s.io/v1 Event. */
const eventsV1 = (over: Over = {}) => ({
  apiVersion: 'events.k8s.io/v1',
  kind: 'Event',
  metadata: { name: 'web-0.2', namespace: 'shop', uid: 'ev-v1' },
  regarding: POD,
  note: '0/3 nodes are available: 3 Insufficient cpu.',
  reason: 'FailedScheduling',
  type: 'Warning',
  eventTime: '2024-03-01T10:00:00.123456Z',
  series: { count: 3, lastObservedTime: '2024-03-01T10:02:00.654321Z' },
  reportingController: 'default-scheduler',
  ...over,
})

const owner = (kind: string, reason: string, message: string, over: Over = {}) =>
  legacy({
    involvedObject: { apiVersion: 'apps/v1', kind, name: 'px-5d567cc74c', namespace: 'default' },
    reason,
    message,
    source: { component: 'replicaset-controller' },
    metadata: { name: 'px-5d567cc74c.1', namespace: 'default', uid: 'ev-owner' },
    ...over,
  })

/** Expected signals: id, time, precision and (for pod events) the occurrence count. */
type Expect = readonly [id: string, time: string, precision: 'us' | 's', count?: number]

const cases: readonly [string, unknown, typeof FINAL | typeof WATCH, Expect[]][] = [
  ['legacy single occurrence', legacy(), FINAL, [['event:ev-legacy:1', T0, 's', 1]]],
  [
    'legacy repeated, final state: first and last',
    legacy({ count: 5, lastTimestamp: T1 }),
    FINAL,
    [
      ['event:ev-legacy:1', T0, 's', 1],
      ['event:ev-legacy:5', T1, 's', 5],
    ],
  ],
  [
    'legacy repeated within one second keeps the count',
    legacy({ count: 2 }),
    FINAL,
    [
      ['event:ev-legacy:1', T0, 's', 1],
      ['event:ev-legacy:2', T0, 's', 2],
    ],
  ],
  [
    'legacy repeated, watch: the current occurrence',
    legacy({ count: 5, lastTimestamp: T1 }),
    WATCH,
    [['event:ev-legacy:5', T1, 's', 5]],
  ],
  [
    'events-API style in core/v1, series count 1 = two occurrences',
    seriesEvent(),
    FINAL,
    [
      ['event:ev-legacy:1', E0, 'us', 1],
      ['event:ev-legacy:2', E1, 'us', 2],
    ],
  ],
  [
    'events-API style, first write (no series yet), watch',
    seriesEvent({ series: null }),
    WATCH,
    [['event:ev-legacy:1', E0, 'us', 1]],
  ],
  [
    'events.k8s.io/v1 with series',
    eventsV1(),
    FINAL,
    [
      ['event:ev-v1:1', '2024-03-01T10:00:00.123456Z', 'us', 1],
      ['event:ev-v1:4', '2024-03-01T10:02:00.654321Z', 'us', 4],
    ],
  ],
  [
    'events.k8s.io/v1 with deprecated legacy fields only',
    eventsV1({
      eventTime: null,
      series: null,
      deprecatedCount: 2,
      deprecatedFirstTimestamp: T0,
      deprecatedLastTimestamp: T1,
    }),
    WATCH,
    [['event:ev-v1:2', T1, 's', 2]],
  ],
  [
    'only metadata.creationTimestamp (readyz-style)',
    legacy({ count: undefined, firstTimestamp: null, lastTimestamp: null }),
    FINAL,
    [['event:ev-legacy:1', T0, 's', 1]],
  ],
  [
    'no Event uid: falls back to the Event name',
    legacy({ metadata: { name: 'b.1', namespace: 'kube-system' } }),
    FINAL,
    [['event:kube-system/b.1:1', T0, 's', 1]],
  ],
]

const ownerPods: readonly [string, unknown, PodKey, string][] = [
  [
    'ReplicaSet create',
    owner('ReplicaSet', 'SuccessfulCreate', 'Created pod: px-5d567cc74c-ss4lb'),
    { namespace: 'default', name: 'px-5d567cc74c-ss4lb' },
    'owner:pod:created',
  ],
  [
    'DaemonSet aggregated delete',
    owner('DaemonSet', 'SuccessfulDelete', '(combined from similar events): Deleted pod: cm-x', {
      count: 3,
      lastTimestamp: T1,
    }),
    { namespace: 'default', name: 'cm-x' },
    'owner:pod:deleted',
  ],
  [
    'StatefulSet message form',
    owner('StatefulSet', 'SuccessfulDelete', 'delete Pod prom-0 in StatefulSet prom successful'),
    { namespace: 'default', name: 'prom-0' },
    'owner:pod:deleted',
  ],
  [
    'message naming namespace/name',
    owner('Job', 'SuccessfulCreate', 'Created pod: batch/pi-x7k2p'),
    { namespace: 'batch', name: 'pi-x7k2p' },
    'owner:pod:created',
  ],
]

const drops: readonly [string, unknown][] = [
  ['non-pod event', owner('Deployment', 'ScalingReplicaSet', 'Scaled up replica set px to 1')],
  ['no reason/kind', legacy({ reason: undefined, involvedObject: { namespace: 'x' } })],
  ['claim create', owner('StatefulSet', 'SuccessfulCreate', 'create Claim d-0 Pod w-0 in Stat')],
  ['owner message, wrong reason', owner('ReplicaSet', 'SuccessfulDelete', 'Created pod: px-1')],
]

const invalid: readonly [string, unknown, RegExp][] = [
  ['a string', 'Scheduled', /expected an object, got string/],
  ['null', null, /expected an object, got null/],
  ['an array', [legacy()], /expected an object, got array/],
  ['no involvedObject', { kind: 'Event', reason: 'x' }, /neither involvedObject nor regarding/],
  ['a number as name', legacy({ involvedObject: { name: 42 } }), /involvedObject.name: expected/],
  ['a string count', legacy({ count: '3' }), /count: expected .*number.*got string/],
  ['a nameless Pod', legacy({ involvedObject: { kind: 'Pod' } }), /Pod it is about has no name/],
  [
    'no timestamp at all',
    legacy({ firstTimestamp: null, lastTimestamp: null, metadata: { uid: 'x' } }),
    /no timestamp: eventTime, firstTimestamp, lastTimestamp, series\.lastObservedTime and metadata\.creationTimestamp/,
  ],
  [
    'only zero/garbage times',
    legacy({ firstTimestamp: '0001-01-01T00:00:00Z', lastTimestamp: 'yesterday', metadata: {} }),
    /no timestamp/,
  ],
]

describe('normalizeK8sEvent', () => {
  for (const [name, input, opts, expected] of cases) {
    it(name, () => {
      const got = signals(normalizeK8sEvent(input, opts))
      const want = expected.map(([id, time, precision, count]) => [id, us(time), precision, count])
      assert.deepEqual(
        got.map((s) => [s.id, s.time, s.precision, s.event?.count]),
        want,
      )
      for (const s of got) assert.equal(s.source, opts.source)
    })
  }

  for (const [name, input, pod, op] of ownerPods) {
    it(`owner event: ${name}`, () => {
      const [s, ...rest] = signals(normalizeK8sEvent(input, FINAL))
      assert.equal(rest.length, 0)
      // An aggregated message names the pod of the latest occurrence only.
      const aggregated = name.includes('aggregated')
      assert.equal(s?.id, aggregated ? 'event:ev-owner:3:owner' : 'event:ev-owner:1:owner')
      assert.equal(s?.time, us(aggregated ? T1 : T0))
      assert.deepEqual(s?.pod, pod)
      assert.deepEqual(s?.ops, [{ op }])
      assert.equal(s?.event, undefined)
      assert.equal(s?.facts?.owner?.name, 'px-5d567cc74c')
      assert.equal(s?.actor, 'replicaset-controller')
    })
  }

  it('carries the event fields, without interpreting the reason', () => {
    const [s] = signals(normalizeK8sEvent(legacy({ reason: 'Scheduled' }), FINAL))
    assert.deepEqual([s?.pod, s?.actor, s?.ops], [POD_KEY, 'kubelet', []])
    assert.deepEqual(s?.event, {
      uid: 'ev-legacy',
      reason: 'Scheduled',
      type: 'Normal',
      message: 'Back-off pulling image "registry.example/app:1"',
      count: 1,
      component: 'kubelet',
      fieldPath: 'spec.containers{app}',
      first: us(T0),
      firstPrecision: 's',
    })
  })

  it('takes component from reportingComponent/reportingController, note as message', () => {
    assert.equal(signals(normalizeK8sEvent(seriesEvent(), FINAL))[1]?.actor, 'default-scheduler')
    const e = signals(normalizeK8sEvent(eventsV1(), FINAL))[0]?.event
    assert.deepEqual([e?.component, e?.message], ['default-scheduler', eventsV1().note])
  })

  it('gives the same ids for occurrences seen by a watch and in a final-state file', () => {
    const watched = [seriesEvent({ series: null }), seriesEvent()].flatMap((e) =>
      signals(normalizeK8sEvent(e, WATCH)).map((s) => s.id),
    )
    const listed = signals(normalizeK8sEvent(seriesEvent(), FINAL)).map((s) => s.id)
    assert.deepEqual(watched, listed)
  })

  it('keeps a Pod event without uid or reason', () => {
    const e = legacy({ reason: undefined, type: undefined, involvedObject: { ...POD, uid: '' } })
    const [s] = signals(normalizeK8sEvent(e, FINAL))
    const pod = { namespace: 'shop', name: 'web-0' }
    assert.deepEqual([s?.pod, s?.event?.reason, s?.event?.type], [pod, '', ''])
  })

  for (const [name, input] of drops) {
    it(`drops ${name} as not-about-a-pod`, () => {
      assert.deepEqual(normalizeK8sEvent(input, FINAL), { ok: false, dropped: 'not-about-a-pod' })
    })
  }

  it('drops ignored namespaces, for pod and owner events', () => {
    const opts = { ...FINAL, ignoredNamespaces: new Set(['shop', 'default']) }
    const dropped = { ok: false, dropped: 'ignored-namespace' }
    assert.deepEqual(normalizeK8sEvent(legacy(), opts), dropped)
    const o = owner('ReplicaSet', 'SuccessfulCreate', 'Created pod: px-1')
    assert.deepEqual(normalizeK8sEvent(o, opts), dropped)
  })

  for (const [name, input, message] of invalid) {
    it(`rejects ${name} as invalid`, () => {
      const r = normalizeK8sEvent(input, FINAL)
      assert.ok(!r.ok && 'invalid' in r, JSON.stringify(r))
      assert.match(r.invalid, message)
    })
  }
})
