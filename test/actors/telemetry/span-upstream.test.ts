import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import {
  type EventRecord,
  initialState,
  type PodState,
} from '../../../actors/lifecycle/pod-state.ts'
import { buildTrace } from '../../../actors/telemetry/spans.ts'
import { compileRe2, RE2_INPUT_CAP } from '../../../config/re2.ts'
import { DEFAULT_SLO_CONFIG } from '../../../config/slo-config.ts'
import {
  parseSpanConfig,
  parseSpanConfigText,
  type SpanConfig,
  SpanConfigError,
} from '../../../config/span-config.ts'
import { parseTime } from '../../../protocol/time.ts'

const t = (iso: string) => parseTime(iso)?.time ?? Number.NaN
const us = (iso: string) => ({ t: t(iso), p: 'us' as const, s: 'audit' as const })
const CHART = 'test/fixtures/upstream/span-config.json'
const chart = () => parseSpanConfigText(readFileSync(CHART, 'utf8'), CHART)

function event(reason: string, message: string, at: string): EventRecord {
  const first = t(at)
  const base = { uid: `${reason}-${first}`, reason, type: 'Normal', message, component: 'kubelet' }
  return { ...base, first, firstP: 'us', last: first, count: 1 }
}

/** Created 10:00:00, two containers (app, proxy), one finalizer; Ready at :09; deleted later. */
function pod(): PodState {
  const s = initialState('5b1c8d2e-0f3a-4b6c-8d9e-0a1b2c3d4e5f', 'shop', 'web-2')
  s.facts = {
    labels: { 'meta.k8s.com/biz-name': 'checkout' },
    restartPolicy: 'Always',
    containers: [
      { name: 'app', image: 'shop/app:1.2' },
      { name: 'proxy', image: 'envoy:1.30' },
    ],
    finalizers: ['example.com/protect'],
  }
  s.bound = true
  s.seenObject = true
  s.ms.created = us('2024-05-01T10:00:00.000100Z')
  s.ms.ready = us('2024-05-01T10:00:09.000100Z')
  s.ops['pod:create:success'] = t('2024-05-01T10:00:00.000100Z')
  s.ops['condition:Ready:true'] = t('2024-05-01T10:00:09.000100Z')
  s.events.push(
    event('Pulling', 'Pulling image "shop/app:1.2"', '2024-05-01T10:00:02.000100Z'),
    event(
      'Pulled',
      'Successfully pulled image "shop/app:1.2" in 2s',
      '2024-05-01T10:00:04.000100Z',
    ),
    event('Pulling', 'Pulling image "envoy:1.30"', '2024-05-01T10:00:04.500100Z'),
    event('Created', 'Created container app', '2024-05-01T10:00:05.000100Z'),
    event('Started', 'Started container app', '2024-05-01T10:00:05.800100Z'),
  )
  s.slo.create = { result: 'success', thresholdMs: 480_000, violatedAt: null, final: true }
  return s
}

function deleting(s = pod()): PodState {
  s.ms.deleteRequested = us('2024-05-01T11:00:00.000100Z')
  s.ms.deleted = us('2024-05-01T11:00:05.000100Z')
  s.ops['pod:delete:success'] = t('2024-05-01T11:00:00.000100Z')
  s.ops['finalizer:example.com/protect:delete'] = t('2024-05-01T11:00:03.000100Z')
  s.ops['containerState:app:terminated:Completed;exitCode:0'] = t('2024-05-01T11:00:02.000100Z')
  s.ops['pod:deleted:success'] = t('2024-05-01T11:00:05.000100Z')
  s.slo.delete = { result: 'success', thresholdMs: 600_000, violatedAt: null, final: true }
  return s
}

function spans(spanConfig: SpanConfig, state: PodState, action: 'PodCreate' | 'PodDelete') {
  const opts = { config: DEFAULT_SLO_CONFIG, diagnosis: null, spanConfig }
  const plan = buildTrace(state, action, opts)
  const byName = new Map(plan.spans.map((s) => [s.name, s]))
  const window = (name: string) => {
    const s = byName.get(name)
    return s ? [s.start.t, s.end.t] : undefined
  }
  return { plan, byName, window }
}

const create = (Spans: unknown[], extra: Record<string, unknown> = {}) =>
  parseSpanConfig([{ ActionType: 'PodCreate', Spans, ...extra }])

describe("span config constructs, upstream's semantics", () => {
  it('start-finish with NameRef spec.[name]containers.name fans out per container', () => {
    const { window, byName } = spans(chart(), pod(), 'PodCreate')
    assert.deepEqual(window('container_start_span:app'), [
      t('2024-05-01T10:00:05.000100Z'),
      t('2024-05-01T10:00:05.800100Z'),
    ])
    assert.equal(byName.has('container_start_span:proxy'), false, 'proxy never started')
    assert.equal(byName.get('container_start_span:app')?.attributes['lunettes.span.owner'], 'k8s')
  })

  it('NeedClose closes a started span without an end at the end of the action', () => {
    const { window } = spans(chart(), pod(), 'PodCreate')
    assert.deepEqual(window('image_pull_span:shop/app:1.2'), [
      t('2024-05-01T10:00:02.000100Z'),
      t('2024-05-01T10:00:04.000100Z'),
    ])
    assert.deepEqual(window('image_pull_span:envoy:1.30'), [
      t('2024-05-01T10:00:04.500100Z'),
      t('2024-05-01T10:00:09.000100Z'),
    ])
  })

  it('direct-info ends at each hit and starts DurationRex before it; the span is their union', () => {
    const s = pod()
    s.events.push(
      event('Created', 'Created container app, elapsedTime 1.5s', '2024-05-01T10:00:06.000100Z'),
      event('Created', 'Created container app, elapsedTime 200ms', '2024-05-01T10:00:07.000100Z'),
    )
    const { window } = spans(chart(), s, 'PodCreate')
    assert.deepEqual(window('container_create_span:app'), [
      t('2024-05-01T10:00:04.500100Z'),
      t('2024-05-01T10:00:07.000100Z'),
    ])
  })

  it('start-finish takes the latest start before the earliest end (upstream Update)', () => {
    const s = pod()
    s.ops['schedule:binding:success'] = t('2024-05-01T10:00:01.000100Z')
    s.events.push(event('MountVolume', 'volume ok', '2024-05-01T10:00:01.500100Z'))
    const { window } = spans(chart(), s, 'PodCreate')
    assert.deepEqual(window('sandbox_create_span'), [
      t('2024-05-01T10:00:01.500100Z'),
      t('2024-05-01T10:00:02.000100Z'),
    ])
  })

  it('NameRef metadata.[$]finalizers.$ with an operation family key and NameRex', () => {
    const { window } = spans(chart(), deleting(), 'PodDelete')
    assert.deepEqual(window('finalizer_delete_span:example.com/protect'), [
      t('2024-05-01T11:00:00.000100Z'),
      t('2024-05-01T11:00:03.000100Z'),
    ])
    assert.deepEqual(window('container_kill_span:app'), [
      t('2024-05-01T11:00:00.000100Z'),
      t('2024-05-01T11:00:02.000100Z'),
    ])
    assert.deepEqual(window('pod_delete_span'), [
      t('2024-05-01T11:00:00.000100Z'),
      t('2024-05-01T11:00:05.000100Z'),
    ])
  })

  it('a NameRex on a span without NameRef does not filter (upstream matches any name)', () => {
    const s = pod()
    s.events.push(event('AttachVolume', 'attached pvc-1', '2024-05-01T10:00:01.000100Z'))
    const { byName } = spans(chart(), s, 'PodCreate')
    assert.ok(byName.has('volume_attach_span'))
  })

  it('LifeFlag with several FinishEvents: the first one that happens ends tracking', () => {
    const s = pod()
    delete s.ms.ready
    delete s.ops['condition:Ready:true']
    s.ms.deleteRequested = us('2024-05-01T10:00:05.500100Z')
    s.ops['pod:delete:success'] = t('2024-05-01T10:00:05.500100Z')
    s.slo.create = { result: 'killed', thresholdMs: 480_000, violatedAt: null, final: true }
    const life = {
      StartEvent: [{ Type: 'operation', Operation: 'pod:create:success' }],
      FinishEvent: [
        { Type: 'operation', Operation: 'condition:Ready:true' },
        { Type: 'operation', Operation: 'pod:delete:success' },
      ],
    }
    const span = (Name: string, Reason: string) => ({
      Name,
      StartEvent: [{ Type: 'event', Reason }],
      EndEvent: [{ Type: 'operation', Operation: 'pod:create:success' }],
      NeedClose: true,
    })
    const config = create([span('before', 'Created'), span('after', 'Started')], { LifeFlag: life })
    const { byName } = spans(config, s, 'PodCreate')
    assert.ok(byName.has('before'))
    assert.equal(byName.has('after'), false, 'Started came after the delete that ended tracking')
  })

  it('ExtraProperties: a ValueRex path into the pod, NeedMetric kept', () => {
    const config = create([], {
      ExtraProperties: {
        bizName: { Name: '', ValueRex: 'metadata#labels#meta.k8s.com/biz-name', NeedMetric: true },
        node: { Name: 'nodeName', ValueRex: 'spec#nodeName' },
      },
    })
    const { plan } = spans(config, pod(), 'PodCreate')
    assert.equal(plan.spans[0]?.attributes['lunettes.extra.bizName'], 'checkout')
    assert.equal(plan.spans[0]?.attributes['lunettes.extra.nodeName'], undefined, 'no node yet')
    assert.equal(config[0]?.extras[0]?.needMetric, true)
  })
})

describe('span config regexes are RE2, refusals name the span', () => {
  it('RE2 named groups (?P<key>…) name the instance', () => {
    const config = create([
      {
        Name: 'pull',
        StartEvent: [{ Type: 'event', Reason: 'Pulling', NameRegex: 'image "(?P<key>[^"]+)"' }],
        EndEvent: [{ Type: 'event', Reason: 'Pulled', NameRegex: 'image "(?P<key>[^"]+)"' }],
      },
    ])
    assert.ok(spans(config, pod(), 'PodCreate').byName.has('pull:shop/app:1.2'))
  })

  it('refuses what RE2 cannot run (lookahead), naming the span', () => {
    assert.throws(
      () => create([{ Name: 'peek', EndEvent: [{ Type: 'event', NameRex: 'a(?=b)' }] }]),
      (err: unknown) =>
        err instanceof SpanConfigError && err.span === 'peek' && /RE2/.test(err.message),
    )
  })

  it('refuses a LuaMatcher, naming the span', () => {
    const lua = { Type: 'event', Reason: 'Started', LuaMatcher: { Scripts: 'return true' } }
    assert.throws(
      () => create([{ Type: 'lua_span', Mode: 'start-finish', EndEvent: [lua] }]),
      (err: unknown) => err instanceof SpanConfigError && err.span === 'lua_span',
    )
  })

  it('matches only within the first RE2_INPUT_CAP characters', () => {
    const re = compileRe2('needle')
    assert.equal(re.test(`${'x'.repeat(RE2_INPUT_CAP - 6)}needle`), true)
    assert.equal(re.test(`${'x'.repeat(RE2_INPUT_CAP)}needle`), false)
  })
})
