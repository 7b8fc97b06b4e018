import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import * as v from 'valibot'
import { parse } from 'yaml'
import { normalizePod } from '../../protocol/normalize-pod.ts'
import { type PodSignal, PodSignal as PodSignalSchema } from '../../protocol/pod-signal.ts'
import { formatTime, parseTime } from '../../protocol/time.ts'

/** Real Pod objects (realdata/ANALYSIS.md §1.2 and §2). */
const EVENTS = '/work/shared/realdata/events'
const METAL = readFileSync(`${EVENTS}/openshift-ci-metal-2021-09-14.pods.jsonl`, 'utf8')
  .split('\n')
  .filter(Boolean)

function metalPod(uid: string): Record<string, unknown> {
  const line = METAL.find((l) => l.includes(`"uid":"${uid}"`))
  assert.ok(line, uid)
  return JSON.parse(line) as Record<string, unknown>
}

function signals(
  pod: unknown,
  opts: Parameters<typeof normalizePod>[1] = { source: 'list' },
): PodSignal[] {
  const r = normalizePod(pod, opts)
  assert.ok(r.ok, JSON.stringify(r))
  return [...r.signals]
}

/** `[id suffix, time, ops]` per signal, ids without the `pod:<uid>:` prefix. */
function timeline(list: PodSignal[], uid: string): [string, string, string[]][] {
  return list.map((s) => [
    s.id.slice(`pod:${uid}:`.length),
    formatTime(s.time, s.precision),
    s.ops.map((o) => o.op),
  ])
}

const us = (iso: string): number => parseTime(iso)?.time ?? Number.NaN

describe('real: metal certified-operators-tqzlc (ANALYSIS §1.2 G)', () => {
  const uid = '7320b81d-3c8c-4c88-b7b5-fd6abfced617'
  const list = signals(metalPod(uid))

  it('places every timestamped field at its own time; the rest at the newest time', () => {
    assert.deepEqual(timeline(list, uid), [
      [
        'created',
        '2021-09-14T14:14:08Z',
        ['pod:create:success', 'schedule:default-scheduler:entry'],
      ],
      [
        `cond:Initialized:True:${us('2021-09-14T14:27:14Z')}`,
        '2021-09-14T14:27:14Z',
        ['condition:Initialized:true'],
      ],
      [
        `cond:PodScheduled:True:${us('2021-09-14T14:27:14Z')}`,
        '2021-09-14T14:27:14Z',
        ['condition:PodScheduled:true'],
      ],
      [
        `start-time:${us('2021-09-14T14:27:14Z')}`,
        '2021-09-14T14:27:14Z',
        ['pod:kubelet:accepted'],
      ],
      [
        `c:registry-server:running:${us('2021-09-14T14:27:44Z')}`,
        '2021-09-14T14:27:44Z',
        ['containerState:registry-server:Running'],
      ],
      [
        `cond:Ready:True:${us('2021-09-14T14:27:54Z')}`,
        '2021-09-14T14:27:54Z',
        ['condition:Ready:true'],
      ],
      [
        `cond:ContainersReady:True:${us('2021-09-14T14:27:54Z')}`,
        '2021-09-14T14:27:54Z',
        ['condition:ContainersReady:true'],
      ],
      [
        'status:23588',
        '2021-09-14T14:27:54Z',
        [
          'phase:Running:set',
          'pod:ip:set',
          'containerReady:registry-server:true',
          'containerRestartCount:registry-server:0',
        ],
      ],
    ])
  })

  it('every signal is valid, source list, precision s, and carries the facts', () => {
    for (const s of list) {
      assert.ok(v.is(PodSignalSchema, s), s.id)
      assert.equal(s.source, 'list')
      assert.equal(s.precision, 's')
      assert.deepEqual(s.pod, {
        namespace: 'openshift-marketplace',
        name: 'certified-operators-tqzlc',
        uid,
      })
      assert.deepEqual(s.facts?.owner, { kind: 'CatalogSource', name: 'certified-operators' })
      assert.equal(
        s.facts?.nodeName,
        'worker-2.ci-ln-xj8t7ct-86010.origin-ci-int-aws.dev.rhcloud.com',
      )
      assert.equal(s.facts?.staticPod, false)
      assert.deepEqual(s.facts?.volumeKinds, ['projected'])
      assert.equal(s.facts?.creationTimestamp, us('2021-09-14T14:14:08Z'))
    }
  })

  it('ids are stable across re-lists; observedAt moves only the untimed signal', () => {
    const again = signals(metalPod(uid), {
      source: 'watch',
      observedAt: us('2021-09-14T15:00:00.5Z'),
    })
    assert.deepEqual(
      again.map((s) => s.id),
      list.map((s) => s.id),
    )
    const status = again.find((s) => s.id.endsWith(':status:23588'))
    assert.equal(status?.time, us('2021-09-14T15:00:00.5Z'))
    assert.equal(status?.precision, 'ms')
  })
})

describe('real: crash-looped, static and preassigned pods', () => {
  it('ingress-operator: the last run (lastState) gives its start and its end', () => {
    const uid = 'b2a1f0d4-6063-4162-a22f-22e138825f23'
    const t = timeline(signals(metalPod(uid)), uid)
    const ops = (at: string) => t.filter(([, time]) => time === at).flatMap(([, , o]) => o)
    assert.deepEqual(ops('2021-09-14T14:16:32Z'), ['containerState:ingress-operator:Running'])
    assert.deepEqual(ops('2021-09-14T14:16:52Z'), [
      'containerLastState:ingress-operator:terminated:Error;exitCode:1',
    ])
    assert.deepEqual(ops('2021-09-14T14:18:21Z'), ['containerState:ingress-operator:Running'])
    assert.ok(ops('2021-09-14T14:18:22Z').includes('containerRestartCount:ingress-operator:5'))
  })

  it('etcd mirror pod: staticPod, configHash, init containers with their runs', () => {
    const uid = '1656c06c-692b-413c-937e-78650a262735'
    const list = signals(metalPod(uid))
    const facts = list[0]?.facts
    assert.equal(facts?.staticPod, true)
    assert.equal(facts?.configHash, 'dfead11d-1b39-400e-9e8b-14b1d7406e88')
    assert.deepEqual(facts?.owner?.kind, 'Node')
    assert.deepEqual(
      facts?.initContainers?.map((c) => c.name),
      ['setup', 'etcd-ensure-env-vars', 'etcd-resources-copy'],
    )
    const setup = list.find(
      (s) => s.id === `pod:${uid}:c:setup:terminated:${us('2021-09-14T14:25:57Z')}`,
    )
    assert.deepEqual(setup?.ops, [
      {
        op: 'containerState:setup:terminated:Completed;exitCode:0',
        reason: 'Completed',
        exitCode: 0,
        container: 'setup',
        init: true,
      },
    ])
    // PodScheduled (14:17:37) is earlier than creationTimestamp (14:25:57) on mirror pods.
    assert.ok(list.some((s) => s.time === us('2021-09-14T14:17:37Z')))
  })

  it('installer pod created with nodeName: nodeName is a fact, no binding op', () => {
    const list = signals(metalPod('084b174e-4958-4f88-a495-27c43990ac1e'))
    assert.ok(list.every((s) => s.facts?.nodeName?.startsWith('master-2')))
    assert.ok(!list.some((s) => s.ops.some((o) => o.op === 'schedule:binding:success')))
    assert.ok(list.some((s) => s.ops.some((o) => o.op === 'phase:Succeeded:set')))
  })

  it('all 235 metal pods normalise without invalid', () => {
    for (const line of METAL) assert.ok(normalizePod(JSON.parse(line), { source: 'list' }).ok)
  })
})

describe('real: kspan snapshot of a pod being deleted (ANALYSIS §2)', () => {
  const docs = readFileSync(`${EVENTS}/kspan-kind-deployment-2-pods.yaml`, 'utf8').split(/^---$/m)
  const doc = docs.find((d) => d.includes('deletionTimestamp'))
  assert.ok(doc)
  const observed = JSON.parse(doc.trim().split('\n')[0]?.slice(2) ?? '{}') as { time: string }
  const pod = parse(doc) as Record<string, unknown>
  const list = signals(pod, { source: 'watch', observedAt: us(observed.time) })

  it('deletionTimestamp minus grace gives the delete request time', () => {
    const del = list.find((s) => s.ops.some((o) => o.op === 'pod:delete:success'))
    assert.equal(del?.time, us('2021-05-19T09:43:06Z'))
    assert.equal(del?.ops[0]?.grace, 30)
    assert.equal(del?.source, 'watch')
  })

  it('a watch DELETED adds pod:deleted:success at observedAt', () => {
    const gone = signals(pod, {
      source: 'watch',
      observedAt: us('2021-05-19T09:43:40Z'),
      deleted: true,
    })
    const last = gone.find((s) => s.id.endsWith(':deleted'))
    assert.deepEqual(last?.ops, [{ op: 'pod:deleted:success' }])
    assert.equal(last?.time, us('2021-05-19T09:43:40Z'))
  })
})

describe('normalizePod: drops and invalid', () => {
  const pod = metalPod('7320b81d-3c8c-4c88-b7b5-fd6abfced617')
  it('ignored namespace, another kind, nothing timestamped', () => {
    const ignored = normalizePod(pod, {
      source: 'list',
      ignoredNamespaces: new Set(['openshift-marketplace']),
    })
    assert.deepEqual(ignored, { ok: false, dropped: 'ignored-namespace' })
    assert.deepEqual(normalizePod({ ...pod, kind: 'Node' }, { source: 'list' }), {
      ok: false,
      dropped: 'irrelevant-resource',
    })
    const bare = {
      kind: 'Pod',
      metadata: { name: 'a', namespace: 'b', uid: 'c' },
      status: { phase: 'Pending' },
    }
    assert.deepEqual(normalizePod(bare, { source: 'watch' }), {
      ok: false,
      dropped: 'no-timestamp',
    })
    const seen = signals(bare, { source: 'watch', observedAt: us('2024-01-01T00:00:00Z') })
    assert.deepEqual(
      seen.map((s) => s.id),
      ['pod:c:status:1704067200000000'],
    )
  })

  it('names what is wrong', () => {
    const invalid = (x: unknown) => {
      const r = normalizePod(x, { source: 'list' })
      assert.ok(!r.ok && 'invalid' in r, JSON.stringify(r))
      return r.invalid
    }
    assert.match(invalid('pod'), /^pod: expected an object, got string$/)
    assert.match(
      invalid({ ...pod, metadata: { name: 'x', namespace: 'y' } }),
      /^pod: no metadata\.uid$/,
    )
    assert.match(invalid({ ...pod, status: { conditions: 'Ready' } }), /^pod: status\.conditions: /)
  })
})
