import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { PodState } from '../../actors/lifecycle/pod-state.ts'
import type { SpanPlan } from '../../actors/telemetry/span-plan.ts'
import { buildTrace } from '../../actors/telemetry/spans.ts'
import { loadSloConfigFile } from '../../config/load.ts'
import { loadSpanConfig } from '../../config/span-config-load.ts'
import { runReplay } from '../../tools/replay/replay.ts'
import { realdata } from '../support/realdata.ts'

const SLO = 'test/fixtures/upstream/lunettes-config.json'
const SPANS = 'test/fixtures/upstream/span-config.json'
const iso = (us: number) => new Date(us / 1000).toISOString().slice(11, 19)

describe("replay with the upstream chart's own lunettes-config and span-config", () => {
  it('replays the OpenShift metal set and traces with the upstream spans', async () => {
    const config = loadSloConfigFile(SLO)
    const spanConfig = loadSpanConfig({ LUNETTES_SPAN_CONFIG: SPANS })
    assert.ok(spanConfig)
    const plans: { state: PodState; plan: SpanPlan }[] = []
    const { reports } = await runReplay({
      inputs: [
        realdata('events/openshift-ci-metal-2021-09-14.events.jsonl'),
        realdata('events/openshift-ci-metal-2021-09-14.pods.jsonl'),
      ],
      config,
      exportTrace: async (state, action) => {
        const plan = buildTrace(state, action, { config, diagnosis: null, spanConfig })
        plans.push({ state, plan })
      },
    })
    assert.ok(reports.length > 200, String(reports.length))
    const spansOf = (uid: string) =>
      plans
        .filter((p) => p.state.uid === uid && p.plan.action === 'PodCreate')
        .flatMap((p) => p.plan.spans)
    // ANALYSIS §1.2 G, certified-operators-tqzlc: created 14:14:08, Pulling 14:27:17, Pulled
    // 14:27:43, Created/Started 14:27:44, Ready 14:27:54 (1 s precision events and conditions).
    const g = new Map(
      spansOf('7320b81d-3c8c-4c88-b7b5-fd6abfced617').map((sp) => [
        sp.name,
        [iso(sp.start.t), iso(sp.end.t)],
      ]),
    )
    const image = 'registry.redhat.io/redhat/certified-operator-index:v4.9'
    assert.deepEqual(g.get(`image_pull_span:${image}`), ['14:27:17', '14:27:43'])
    assert.deepEqual(g.get('container_start_span:registry-server'), ['14:27:44', '14:27:44'])
    assert.deepEqual(g.get('pod_ready_span'), ['14:14:08', '14:27:54'])
    assert.ok(g.has('schedule'), 'our builtin spans stay beside upstream ones')
  })
})
