import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import {
  type EventRecord,
  initialState,
  type PodState,
} from '../../../actors/lifecycle/pod-state.ts'
import { buildTrace } from '../../../actors/telemetry/spans.ts'
import { DEFAULT_SLO_CONFIG } from '../../../config/slo-config.ts'
import {
  DEFAULT_SPAN_CONFIG,
  parseSpanConfig,
  parseSpanConfigText,
  type SpanConfig,
  SpanConfigError,
} from '../../../config/span-config.ts'
import { loadSpanConfig } from '../../../config/span-config-load.ts'
import { parseTime } from '../../../protocol/time.ts'

const t = (iso: string) => parseTime(iso)?.time ?? Number.NaN
const us = (iso: string) => ({ t: t(iso), p: 'us' as const, s: 'audit' as const })
const UPSTREAM = 'test/fixtures/span-config/upstream-example.json'

function event(reason: string, message: string, at: string, extra: Partial<EventRecord> = {}) {
  const first = t(at)
  return {
    uid: `${reason}-${first}`,
    reason,
    type: 'Normal',
    message,
    component: 'kubelet',
    first,
    firstP: 'us' as const,
    last: first,
    count: 1,
    ...extra,
  }
}

/** A pod with two images pulled and two containers, created 10:00:00.250000, Ready at :09. */
function pod(): PodState {
  const s = initialState('0d9e6c1a-7b2f-4c3d-9e8f-1a2b3c4d5e6f', 'shop', 'web-1')
  s.facts = {
    labels: { app: 'web', 'meta.k8s.com/biz-name': 'checkout' },
    restartPolicy: 'Always',
    containers: [
      { name: 'app', image: 'shop/app:1.2' },
      { name: 'proxy', image: 'envoy:1.30' },
    ],
  }
  s.bound = true
  s.seenObject = true
  s.ms.created = us('2024-05-01T10:00:00.250000Z')
  s.ms.scheduled = us('2024-05-01T10:00:01.100000Z')
  s.ms.sandboxReady = us('2024-05-01T10:00:02.000000Z')
  s.ms.ready = us('2024-05-01T10:00:09.000000Z')
  s.ops['pod:create:success'] = t('2024-05-01T10:00:00.250000Z')
  s.ops['schedule:default-scheduler:entry'] = t('2024-05-01T10:00:00.250000Z')
  s.ops['schedule:binding:success'] = t('2024-05-01T10:00:01.100000Z')
  s.ops['containerState:app:Running'] = t('2024-05-01T10:00:06.000000Z')
  s.ops['containerState:proxy:Running'] = t('2024-05-01T10:00:06.500000Z')
  s.ops['condition:Ready:true'] = t('2024-05-01T10:00:09.000000Z')
  s.containers.app = { init: false, restarts: 0, started: us('2024-05-01T10:00:06.000000Z') }
  s.containers.proxy = { init: false, restarts: 0, started: us('2024-05-01T10:00:06.500000Z') }
  s.events.push(
    event('Pulling', 'Pulling image "shop/app:1.2"', '2024-05-01T10:00:02.100000Z'),
    event('Pulling', 'Pulling image "envoy:1.30"', '2024-05-01T10:00:02.200000Z'),
    event(
      'Pulled',
      'Successfully pulled image "shop/app:1.2" in 2.5s (2.5s including waiting)',
      '2024-05-01T10:00:04.600000Z',
    ),
    event(
      'Pulled',
      'Successfully pulled image "envoy:1.30" in 850ms (850ms including waiting)',
      '2024-05-01T10:00:05.000000Z',
    ),
  )
  s.slo.create = { result: 'success', thresholdMs: 480_000, violatedAt: null, final: true }
  return s
}

function spans(spanConfig: SpanConfig, state = pod()) {
  const plan = buildTrace(state, 'PodCreate', {
    config: DEFAULT_SLO_CONFIG,
    diagnosis: null,
    spanConfig,
  })
  return { plan, byName: new Map(plan.spans.map((s) => [s.name, s])) }
}

const entry = (Spans: unknown[]) => [{ ActionType: 'PodCreate', Spans }]

function rejects(input: unknown, pattern: RegExp, span: string | null): void {
  assert.throws(
    () => parseSpanConfig(input),
    (err: unknown) => {
      assert.ok(err instanceof SpanConfigError, String(err))
      assert.match(err.message, pattern)
      assert.equal(err.span, span)
      return true
    },
  )
}

describe('span config: loading', () => {
  it('loads the upstream example (README "Tracing configuration")', () => {
    const config = parseSpanConfigText(readFileSync(UPSTREAM, 'utf8'), UPSTREAM)
    assert.equal(config.length, 1)
    const [e] = config
    assert.equal(e?.action, 'PodCreate')
    assert.equal(e?.name, 'PodSpans')
    assert.deepEqual(e?.extras, [
      { key: 'bizName', path: ['metadata', 'labels', 'meta.k8s.com/biz-name'], needMetric: true },
    ])
    assert.deepEqual(
      e?.spans.map((s) => [s.name, s.mode, s.owner, s.start[0]?.exact, s.end[0]?.exact]),
      [
        [
          'default_schedule_span',
          'start-finish',
          'k8s',
          'schedule:default-scheduler:entry',
          'schedule:binding:success',
        ],
      ],
    )
  })

  it('loads our default: the builtin spans of both actions', () => {
    const text = readFileSync('config/defaults/span-config.json', 'utf8')
    assert.deepEqual(parseSpanConfigText(text, 'default'), DEFAULT_SPAN_CONFIG)
    assert.deepEqual(
      DEFAULT_SPAN_CONFIG.map((e) => [e.action, e.spans.map((s) => s.builtin)]),
      [
        [
          'PodCreate',
          ['schedule', 'node_setup', 'image_pull', 'init', 'container_start', 'readiness'],
        ],
        ['PodDelete', ['graceful_stop', 'finalizer']],
      ],
    )
  })

  it('rejects Lua scripts, naming the span', () => {
    const base = { Type: 't', Mode: 'start-finish', EndEvent: [{ Type: 'event', Reason: 'X' }] }
    rejects(entry([{ ...base, Name: 'lua_span', LuaScript: 'return 1' }]), /Lua/, 'lua_span')
    rejects(entry([{ ...base, Name: 'file_span', Script: 'spans/pull.lua' }]), /Lua/, 'file_span')
    rejects(entry([{ ...base, Name: 'path_span', lua_script_path: 'x' }]), /Lua/, 'path_span')
    assert.equal(parseSpanConfig(entry([{ ...base, Name: 'ok', Description: 'x' }])).length, 1)
    rejects(
      entry([{ ...base, Name: 'mode_span', Mode: 'lua' }]),
      /\(span "mode_span"\): Lua/,
      'mode_span',
    )
    rejects(
      [{ ActionType: 'PodCreate', ObjectRef: { Name: 'PodSpans' }, LuaScript: 'x' }],
      /\[0\]\.LuaScript \(span "PodSpans"\): Lua scripts are not supported/,
      'PodSpans',
    )
  })

  it('loads from LUNETTES_SPAN_CONFIG (file) or LUNETTES_SPAN_CONFIG_JSON (inline), not both', () => {
    assert.equal(loadSpanConfig({}), undefined)
    assert.equal(
      loadSpanConfig({ LUNETTES_SPAN_CONFIG: UPSTREAM })?.[0]?.spans[0]?.name,
      'default_schedule_span',
    )
    const inline = JSON.stringify(entry([{ Name: 'x', LuaScript: 'return 1' }]))
    assert.throws(() => loadSpanConfig({ LUNETTES_SPAN_CONFIG_JSON: inline }), /span "x"\): Lua/)
    assert.throws(
      () => loadSpanConfig({ LUNETTES_SPAN_CONFIG: UPSTREAM, LUNETTES_SPAN_CONFIG_JSON: '[]' }),
      SpanConfigError,
    )
    assert.throws(
      () => loadSpanConfig({ LUNETTES_SPAN_CONFIG: '/nonexistent.json' }),
      /cannot be read/,
    )
  })

  it('names the key and span of other problems', () => {
    rejects(
      entry([{ Name: 'bad_mode', Mode: 'sideways', EndEvent: [] }]),
      /\[0\]\.Spans\[0\]\.Mode \(span "bad_mode"\): "sideways" is not one of start-finish/,
      'bad_mode',
    )
    rejects(
      entry([{ Name: 'bad_re', EndEvent: [{ Type: 'event', NameRegex: '(' }] }]),
      /\[0\]\.Spans\[0\]\.EndEvent\[0\]\.NameRegex \(span "bad_re"\): .*valid RE2 regular expression/,
      'bad_re',
    )
    rejects(entry([{ Name: 'no_end', StartEvent: [] }]), /span "no_end"\).*EndEvent/, 'no_end')
    rejects([{ ActionType: 'PodPatch' }], /\[0\]\.ActionType.*PodCreate, PodDelete/, 'PodPatch')
  })
})

describe('span config: matchers on a pod', () => {
  it('the upstream example adds its operation span and the extra property', () => {
    const config = parseSpanConfigText(readFileSync(UPSTREAM, 'utf8'), UPSTREAM)
    const { byName, plan } = spans(config)
    const s = byName.get('default_schedule_span')
    assert.equal(s?.start.t, t('2024-05-01T10:00:00.250000Z'))
    assert.equal(s?.end.t, t('2024-05-01T10:00:01.100000Z'))
    assert.equal(s?.attributes['lunettes.span.type'], 'default_schedule_span')
    assert.ok(byName.has('schedule'), 'the default spans stay')
    assert.equal(plan.spans[0]?.attributes['lunettes.extra.bizName'], 'checkout')
  })

  it('a name regex makes one span per captured image', () => {
    const { byName } = spans(
      parseSpanConfig(
        entry([
          {
            Name: 'pull',
            StartEvent: [
              { Type: 'event', Reason: 'Pulling', NameRegex: 'Pulling image "([^"]+)"' },
            ],
            EndEvent: [{ Type: 'event', Reason: 'Pulled', NameRegex: 'pulled image "([^"]+)"' }],
          },
        ]),
      ),
    )
    assert.deepEqual(
      [byName.get('pull:shop/app:1.2')?.start.t, byName.get('pull:shop/app:1.2')?.end.t],
      [t('2024-05-01T10:00:02.100000Z'), t('2024-05-01T10:00:04.600000Z')],
    )
    assert.deepEqual(
      [byName.get('pull:envoy:1.30')?.start.t, byName.get('pull:envoy:1.30')?.end.t],
      [t('2024-05-01T10:00:02.200000Z'), t('2024-05-01T10:00:05.000000Z')],
    )
  })

  it('a duration regex sets the start of a direct-info span', () => {
    const { byName } = spans(
      parseSpanConfig(
        entry([
          {
            Name: 'reported_pull',
            Mode: 'direct-info',
            EndEvent: [
              {
                Type: 'event',
                Reason: 'Pulled',
                NameRegex: 'image "(?<key>[^"]+)"',
                DurationRegex: ' in ([0-9.]+m?s) ',
              },
            ],
          },
          {
            Name: 'app_pull_seconds',
            Mode: 'direct-info',
            EndEvent: [{ Type: 'event', MessageRegex: 'shop/app', DurationRegex: 'in ([0-9.]+)s' }],
          },
        ]),
      ),
    )
    const app = byName.get('reported_pull:shop/app:1.2')
    assert.equal(app?.start.t, t('2024-05-01T10:00:02.100000Z'))
    assert.equal(app?.end.t, t('2024-05-01T10:00:04.600000Z'))
    assert.equal(byName.get('reported_pull:envoy:1.30')?.start.t, t('2024-05-01T10:00:04.150000Z'))
    assert.equal(byName.get('app_pull_seconds')?.start.t, t('2024-05-01T10:00:02.100000Z'))
  })

  it('an operation regex makes one span per container; milestones are matchers too', () => {
    const { byName } = spans(
      parseSpanConfig(
        entry([
          {
            Name: 'to_running',
            StartEvent: [{ Type: 'milestone', Name: 'created' }],
            EndEvent: [{ Type: 'operation', OperationRegex: '^containerState:([^:]+):Running$' }],
          },
        ]),
      ),
    )
    assert.equal(byName.get('to_running:app')?.end.t, t('2024-05-01T10:00:06.000000Z'))
    assert.equal(byName.get('to_running:proxy')?.end.t, t('2024-05-01T10:00:06.500000Z'))
    assert.equal(byName.get('to_running:proxy')?.start.t, t('2024-05-01T10:00:00.250000Z'))
  })

  it('a span with a default span name replaces it', () => {
    const { plan, byName } = spans(
      parseSpanConfig(
        entry([
          {
            Name: 'schedule',
            StartEvent: [{ Type: 'operation', Operation: 'pod:create:success' }],
            EndEvent: [{ Type: 'operation', Operation: 'condition:Ready:true' }],
          },
        ]),
      ),
    )
    assert.equal(plan.spans.filter((s) => s.name === 'schedule').length, 1)
    assert.equal(byName.get('schedule')?.end.t, t('2024-05-01T10:00:09.000000Z'))
    assert.equal(byName.get('schedule')?.attributes['lunettes.span.type'], 'schedule')
  })
})
