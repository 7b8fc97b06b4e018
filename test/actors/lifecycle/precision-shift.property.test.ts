import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { diagnose } from '../../../actors/lifecycle/diagnose.ts'
import type { PodState } from '../../../actors/lifecycle/pod-state.ts'
import { evaluateSlos } from '../../../actors/lifecycle/slo.ts'
import { DEFAULT_SLO_CONFIG } from '../../../config/slo-config.ts'
import type { MilestoneName } from '../../../protocol/pod-report.ts'
import type { Precision } from '../../../protocol/time.ts'
import { at, ctx, pod } from '../../support/diagnosis-state.ts'

const IMAGE = 'registry.example/app:1.0'
/** Synthetic Events a delivery can show (messages as the kubelet and scheduler word them). */
const PALETTE: { reason: string; message: string; container?: boolean; component?: string }[] = [
  {
    reason: 'FailedScheduling',
    message:
      '0/3 nodes are available: 3 node(s) had untolerated taint {node-role.kubernetes.io/master: }.',
    component: 'default-scheduler',
  },
  {
    reason: 'Scheduled',
    message: 'Successfully assigned shop/web-1 to node-a',
    component: 'default-scheduler',
  },
  { reason: 'AddedInterface', message: 'Add eth0 [10.128.2.7/23]', component: 'multus' },
  { reason: 'Pulling', message: `Pulling image "${IMAGE}"`, container: true },
  {
    reason: 'Failed',
    message: `Failed to pull image "${IMAGE}": rpc error: code = Unknown desc = pull QPS exceeded`,
    container: true,
  },
  { reason: 'BackOff', message: `Back-off pulling image "${IMAGE}"`, container: true },
  {
    reason: 'Pulled',
    message: `Successfully pulled image "${IMAGE}" in 1.5s`,
    container: true,
  },
  { reason: 'Created', message: 'Created container app', container: true },
  { reason: 'Started', message: 'Started container app', container: true },
  { reason: 'BackOff', message: 'Back-off restarting failed container', container: true },
  {
    reason: 'Unhealthy',
    message: 'Readiness probe failed: HTTP probe failed with statuscode: 503',
    container: true,
  },
  {
    reason: 'FailedMount',
    message: 'MountVolume.SetUp failed for volume "cfg" : configmap "cfg" not found',
  },
]
const MILESTONES: MilestoneName[] = [
  'scheduled',
  'sandboxReady',
  'running',
  'ready',
  'failed',
  'deleteRequested',
  'deleted',
]

/** A time: whole seconds when coarse (as Kubernetes truncates), any µs when fine. */
const time = fc.record({
  ms: fc.integer({ min: 0, max: 40_000 }),
  coarse: fc.boolean(),
})
const toT = (x: { ms: number; coarse: boolean }) =>
  x.coarse ? at(Math.floor(x.ms / 1000)) : at(x.ms / 1000) + 7
const pOf = (x: { coarse: boolean }): Precision => (x.coarse ? 's' : 'us')

const scenario = fc.record({
  events: fc.array(
    fc.record({ kind: fc.nat(PALETTE.length - 1), first: time, lastMs: fc.nat(20_000) }),
    { maxLength: 8 },
  ),
  marks: fc.array(fc.record({ name: fc.constantFrom(...MILESTONES), t: time }), { maxLength: 5 }),
  result: fc.constantFrom('violated', 'incomplete', 'late', 'failed', 'killed', 'success'),
})

function build(sc: typeof scenario extends fc.Arbitrary<infer T> ? T : never): PodState {
  const s = pod()
  s.seenObject = true
  sc.events.forEach((e, i) => {
    const spec = PALETTE[e.kind] ?? PALETTE[0]
    if (!spec) return
    const first = toT(e.first)
    const p = pOf(e.first)
    const last = e.first.coarse ? first + Math.floor(e.lastMs / 1000) * 1e6 : first + e.lastMs * 1e3
    s.events.push({
      uid: `ev-${i}`,
      reason: spec.reason,
      type: /^(Failed|BackOff|Unhealthy)/.test(spec.reason) ? 'Warning' : 'Normal',
      message: spec.message,
      component: spec.component ?? 'kubelet',
      ...(spec.container ? { fieldPath: 'spec.containers{app}' } : {}),
      first,
      firstP: p,
      last,
      lastP: p,
      count: 1,
    })
    if (spec.reason === 'Scheduled') s.bound = true
  })
  for (const m of sc.marks) s.ms[m.name] = { t: toT(m.t), p: pOf(m.t), s: 'event' }
  return s
}

/** Every second-precision time moved by `shift` µs inside its own second. */
function shifted(s: PodState, shift: (i: number) => number): PodState {
  const out = structuredClone(s)
  let i = 0
  for (const [name, m] of Object.entries(out.ms) as [
    MilestoneName,
    NonNullable<PodState['ms'][MilestoneName]>,
  ][]) {
    if (m.p === 's') out.ms[name] = { ...m, t: m.t + shift(i++) }
  }
  for (const ev of out.events) {
    if (ev.firstP === 's') ev.first += shift(i++)
    if (ev.lastP === 's') ev.last = Math.max(ev.first, ev.last + shift(i++))
  }
  return out
}

const result = (s: PodState): string => {
  const copy = structuredClone(s)
  evaluateSlos(copy, Number.NEGATIVE_INFINITY, DEFAULT_SLO_CONFIG)
  return copy.slo.create.result
}

describe('precision (property): a second-precision time anywhere inside its second', () => {
  it('never changes a diagnosis code, the findings or the verdict', () => {
    fc.assert(
      fc.property(
        scenario,
        fc.array(fc.integer({ min: 0, max: 999_999 }), { minLength: 40, maxLength: 40 }),
        (sc, shifts) => {
          const base = build(sc)
          const moved = shifted(base, (i) => shifts[i % shifts.length] ?? 0)
          assert.equal(result(moved), result(base))
          const a = diagnose(base, ctx(sc.result, 60))
          const b = diagnose(moved, ctx(sc.result, 60))
          assert.equal(b?.code, a?.code)
          assert.deepEqual(b?.findings, a?.findings)
        },
      ),
      { numRuns: Number(process.env.LUNETTES_PROPERTY_RUNS ?? 500) },
    )
  })
})
