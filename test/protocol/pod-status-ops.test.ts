import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import * as v from 'valibot'
import { PodStatus } from '../../protocol/k8s-pod.ts'
import type { PodOp } from '../../protocol/pod-signal.ts'
import { podStatusOps, statedOps } from '../../protocol/pod-status-ops.ts'
import { statusFromJsonPatch } from '../../protocol/pod-status-ops-json-patch.ts'
import { parseTime } from '../../protocol/time.ts'

function status(x: unknown): PodStatus {
  return v.parse(PodStatus, x)
}

const T = '2024-05-14T09:00:03Z'

describe('podStatusOps: one case per operation', () => {
  const cases: { name: string; status: unknown; ops: PodOp[] }[] = [
    {
      name: 'condition True with no reason',
      status: { conditions: [{ type: 'Initialized', status: 'True', lastTransitionTime: T }] },
      ops: [{ op: 'condition:Initialized:true' }],
    },
    {
      name: 'condition False keeps reason and message',
      status: {
        conditions: [
          { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/3 nodes' },
        ],
      },
      ops: [{ op: 'condition:PodScheduled:false', reason: 'Unschedulable', message: '0/3 nodes' }],
    },
    {
      name: 'condition Unknown',
      status: { conditions: [{ type: 'Ready', status: 'Unknown', reason: 'NodeLost' }] },
      ops: [{ op: 'condition:Ready:unknown', reason: 'NodeLost' }],
    },
    {
      name: 'phase with reason',
      status: { phase: 'Failed', reason: 'Evicted', message: 'The node was low on memory.' },
      ops: [{ op: 'phase:Failed:set', reason: 'Evicted' }],
    },
    { name: 'podIP', status: { podIP: '10.244.1.7' }, ops: [{ op: 'pod:ip:set' }] },
    {
      name: 'container running',
      status: { containerStatuses: [{ name: 'app', state: { running: { startedAt: T } } }] },
      ops: [{ op: 'containerState:app:Running', container: 'app' }],
    },
    {
      name: 'container waiting',
      status: {
        containerStatuses: [
          { name: 'app', state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off' } } },
        ],
      },
      ops: [
        {
          op: 'containerState:app:Waiting:ImagePullBackOff',
          reason: 'ImagePullBackOff',
          message: 'Back-off',
          container: 'app',
        },
      ],
    },
    {
      name: 'container terminated (derived Running left out)',
      status: {
        containerStatuses: [
          {
            name: 'app',
            state: {
              terminated: { exitCode: 137, reason: 'OOMKilled', startedAt: T, finishedAt: T },
            },
          },
        ],
      },
      ops: [
        {
          op: 'containerState:app:terminated:OOMKilled;exitCode:137',
          reason: 'OOMKilled',
          exitCode: 137,
          container: 'app',
        },
      ],
    },
    {
      name: 'lastState terminated',
      status: {
        containerStatuses: [
          { name: 'app', lastState: { terminated: { exitCode: 1, reason: 'Error' } }, state: {} },
        ],
      },
      ops: [
        {
          op: 'containerLastState:app:terminated:Error;exitCode:1',
          reason: 'Error',
          exitCode: 1,
          container: 'app',
        },
      ],
    },
    {
      name: 'ready and restart count (a string count, as Cloud Logging writes it)',
      status: { containerStatuses: [{ name: 'app', ready: true, restartCount: '3' }] },
      ops: [
        { op: 'containerReady:app:true', container: 'app' },
        { op: 'containerRestartCount:app:3', count: 3, container: 'app' },
      ],
    },
    {
      name: 'init container',
      status: {
        initContainerStatuses: [
          { name: 'init', state: { terminated: { exitCode: 0, reason: 'Completed' } } },
        ],
      },
      ops: [
        {
          op: 'containerState:init:terminated:Completed;exitCode:0',
          reason: 'Completed',
          exitCode: 0,
          container: 'init',
          init: true,
        },
      ],
    },
  ]
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(statedOps(status(c.status)), c.ops))
  }
})

describe('podStatusOps: patch bodies', () => {
  it('ignores $setElementOrder, conditions without status, nulls and absent fields', () => {
    const body = {
      '$setElementOrder/conditions': [{ type: 'Initialized' }, { type: 'Ready' }],
      conditions: [
        { type: 'Ready', message: 'containers with unready status: [late-startup]' },
        { type: 'Initialized', status: 'True', reason: null, message: null },
      ],
      podIP: null,
    }
    assert.deepEqual(statedOps(status(body)), [{ op: 'condition:Initialized:true' }])
  })

  it('gives nothing for an empty or absent status', () => {
    assert.deepEqual(podStatusOps(undefined), [])
    assert.deepEqual(podStatusOps(status({})), [])
  })
})

describe('podStatusOps: timestamps', () => {
  it('places conditions, runs and startTime at their own times', () => {
    const out = podStatusOps(
      status({
        startTime: '2024-05-14T09:00:00Z',
        conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: T }],
        containerStatuses: [
          {
            name: 'app',
            state: { running: { startedAt: '2024-05-14T09:00:02Z' } },
            lastState: {
              terminated: {
                exitCode: 2,
                reason: 'Error',
                startedAt: '2024-05-14T09:00:00Z',
                finishedAt: '2024-05-14T09:00:01Z',
              },
            },
          },
        ],
      }),
    )
    const timed = out.map((s) => [s.key, s.op.op, s.at?.time, s.derived ?? false])
    const at = (iso: string) => parseTime(iso)?.time
    assert.deepEqual(timed, [
      ['cond:Ready:True', 'condition:Ready:true', at(T), false],
      ['start-time', 'pod:kubelet:accepted', at('2024-05-14T09:00:00Z'), true],
      ['c:app:running', 'containerState:app:Running', at('2024-05-14T09:00:02Z'), false],
      ['c:app:running', 'containerState:app:Running', at('2024-05-14T09:00:00Z'), true],
      [
        'c:app:terminated',
        'containerLastState:app:terminated:Error;exitCode:2',
        at('2024-05-14T09:00:01Z'),
        false,
      ],
    ])
  })
})

describe('statusFromJsonPatch', () => {
  it('maps conditions, phase and podIP; skips what it cannot place', () => {
    const patched = statusFromJsonPatch([
      { op: 'test', path: '/metadata/uid', value: 'x' },
      { op: 'replace', path: '/status/phase', value: 'Running' },
      { op: 'add', path: '/status/conditions/-', value: { type: 'Ready', status: 'True' } },
      { op: 'replace', path: '/status/conditions/1/status', value: 'False' },
      { op: 'add', path: '/status/podIP', value: '10.1.2.3' },
      { op: 'remove', path: '/status/nominatedNodeName' },
      'garbage',
    ])
    assert.deepEqual(
      statedOps(patched).map((o) => o.op),
      ['condition:Ready:true', 'phase:Running:set', 'pod:ip:set'],
    )
  })

  it('returns undefined for patches outside status or of the wrong shape', () => {
    assert.equal(
      statusFromJsonPatch([{ op: 'add', path: '/metadata/labels/a', value: 'b' }]),
      undefined,
    )
    assert.equal(
      statusFromJsonPatch([{ op: 'replace', path: '/status/phase', value: 42 }]),
      undefined,
    )
    assert.equal(statusFromJsonPatch([]), undefined)
  })
})
