import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import * as v from 'valibot'
import { createDecider } from '../../../actors/lifecycle/decide.ts'
import { diagnoseDelete } from '../../../actors/lifecycle/diagnose-delete.ts'
import { createDiagnose } from '../../../actors/lifecycle/diagnosis-hook.ts'
import { initialState, type PodState } from '../../../actors/lifecycle/pod-state.ts'
import { toReport } from '../../../actors/lifecycle/report.ts'
import { DEFAULT_SLO_CONFIG } from '../../../config/slo-config.ts'
import type { SloAlert } from '../../../protocol/alert.ts'
import { DIAGNOSIS_CODE_LIST, DIAGNOSIS_CODES } from '../../../protocol/diagnosis-codes.ts'
import { normalizeAuditEvent } from '../../../protocol/normalize-audit.ts'
import { PodReport } from '../../../protocol/pod-report.ts'
import type { PodSignal } from '../../../protocol/pod-signal.ts'
import { micros } from '../../support/audit-fixtures-base.ts'
import { type DeleteScenario, podDeletion } from '../../support/audit-fixtures-delete.ts'

const config = DEFAULT_SLO_CONFIG
const MIN = 60_000
const T0 = micros('2024-05-14T10:00:00.120731Z')
const input = (name: string, finalizers?: string[]) => ({
  namespace: 'shop',
  name,
  createdAt: T0,
  owner: { kind: 'ReplicaSet', name: 'web-7d9f' },
  ...(finalizers ? { finalizers } : {}),
})

/** Folds a fixture's audit trail the way replay does: signals in time order, alarms in between. */
function run(name: string, sc: DeleteScenario, finalizers?: string[], untilMs = 60 * MIN) {
  const trail = podDeletion(input(name, finalizers), sc)
  const signals: PodSignal[] = []
  for (const e of trail) {
    const n = normalizeAuditEvent(e)
    if (n.ok) signals.push(...n.signals)
  }
  signals.sort((a, b) => a.time - b.time)
  const decide = createDecider({ config, diagnose: createDiagnose(config) })
  const uid = signals.find((s) => s.pod.uid)?.pod.uid ?? ''
  let state: PodState = initialState(uid, 'shop', name)
  const alerts: SloAlert[] = []
  const step = (x: PodSignal | { kind: 'alarm' }, now: number) => {
    const d = decide(state, x, now)
    state = d.state
    for (const e of d.effects) if (e.type === 'alert') alerts.push(e.alert)
  }
  const end = T0 + untilMs * 1000
  for (const s of [...signals, null]) {
    const until = s ? s.time : end
    while (state.alarm !== null && state.alarm <= until) step({ kind: 'alarm' }, state.alarm)
    if (s) step({ ...s, pod: { ...s.pod, uid } }, s.time)
  }
  return { state, alerts, report: toReport(state, config, null, end) }
}

const READY_DELETE = 60_000
const base: DeleteScenario = {
  deleteAfterMs: READY_DELETE,
  grace: 30,
  stopMs: 1_400,
  exit: 'sigterm',
  kubeletConfirms: true,
}

interface Row {
  name: string
  sc: DeleteScenario
  finalizers?: string[]
  result: string
  code: string | null
  owner?: string
  summary?: RegExp
  detail?: RegExp
  /** Code the delete `violated` alert carries (when the SLO was missed while terminating). */
  violated?: string
}

const ROWS: Row[] = [
  {
    name: 'a finalizer that never went (containers stopped, kubelet confirmed)',
    sc: base,
    finalizers: ['example.com/cleanup'],
    result: 'timeout',
    code: 'DeleteBlocked.Finalizer',
    owner: 'user',
    summary: /example\.com\/cleanup never went/,
    detail: /finalizer: example\.com\/cleanup/,
    violated: 'DeleteBlocked.Finalizer',
  },
  {
    name: "Kubernetes' own finalizer removed 15 min after the request: late, platform's",
    sc: { ...base, finalizerRemovals: { 'batch.kubernetes.io/job-tracking': 15 * MIN } },
    finalizers: ['batch.kubernetes.io/job-tracking'],
    result: 'late',
    code: 'DeleteBlocked.Finalizer',
    owner: 'platform',
    summary: /stayed until .*after the containers had stopped/,
    violated: 'DeleteBlocked.Finalizer',
  },
  {
    name: 'a container that ignored SIGTERM for its 900 s grace, killed with 137',
    sc: { ...base, grace: 900, stopMs: 900_000, exit: 'sigkill' },
    result: 'late',
    code: 'DeleteBlocked.GracePeriod',
    owner: 'user',
    summary: /ignored SIGTERM.*900s grace period.*exit 137/,
    violated: 'DeleteBlocked.GracePeriod',
  },
  {
    name: 'a kubelet that never confirmed (containers never reported stopped)',
    sc: { ...base, stopMs: null, kubeletConfirms: false },
    result: 'timeout',
    code: 'DeleteBlocked.KubeletUnconfirmed',
    owner: 'platform',
    summary: /never confirmed the graceful delete/,
    detail: /kubelet may be stuck/,
    violated: 'DeleteBlocked.KubeletUnconfirmed',
  },
  {
    name: 'a kubelet that stopped the containers but never sent its final delete',
    sc: { ...base, kubeletConfirms: false },
    result: 'timeout',
    code: 'DeleteBlocked.KubeletUnconfirmed',
    owner: 'platform',
    violated: 'DeleteBlocked.KubeletUnconfirmed',
  },
  {
    name: 'a silent kubelet, then the pod garbage collector removes the pod at 20 min: late',
    sc: { ...base, stopMs: null, kubeletConfirms: false, podGcMs: 20 * MIN },
    result: 'late',
    code: 'DeleteBlocked.KubeletUnconfirmed',
    summary: /pod-garbage-collector removed it/,
    violated: 'DeleteBlocked.KubeletUnconfirmed',
  },
  {
    name: 'a finalizer left while the kubelet is silent: the kubelet first, the finalizer also',
    sc: { ...base, stopMs: null, kubeletConfirms: false },
    finalizers: ['example.com/cleanup'],
    result: 'timeout',
    code: 'DeleteBlocked.KubeletUnconfirmed',
    detail: /also DeleteBlocked\.Finalizer/,
  },
  { name: 'a prompt delete: success, no diagnosis', sc: base, result: 'success', code: null },
]

describe('delete diagnosis: one row per cause (synthetic audit trails through decide)', () => {
  for (const row of ROWS) {
    it(row.name, () => {
      const { state, alerts, report } = run(`web-${ROWS.indexOf(row)}`, row.sc, row.finalizers)
      assert.equal(state.slo.delete?.result, row.result)
      assert.ok(v.is(PodReport, report), 'a valid report')
      const d = report.deleteDiagnosis ?? null
      assert.equal(d?.code ?? null, row.code, d?.summary)
      if (d) {
        assert.equal(d.findings[0], d.code)
        assert.equal(d.phase, 'delete')
        assert.ok(d.evidence.length > 0)
        if (row.owner) assert.equal(d.owner, row.owner)
        if (row.summary) assert.match(d.summary, row.summary)
        if (row.detail) assert.match(d.detail ?? '', row.detail)
      }
      const violated = alerts.find((a) => a.slo === 'delete' && a.kind === 'violated')
      if (row.violated) assert.equal(violated?.diagnosis?.code, row.violated)
      if (row.code === null) assert.equal(violated, undefined)
      const final = alerts.find((a) => a.slo === 'delete' && a.kind === row.result)
      if (row.result !== 'success') assert.equal(final?.diagnosis?.code, row.code)
    })
  }

  it('covers every code of the delete family', () => {
    const covered = new Set([...ROWS.map((r) => r.code), 'DeleteBlocked.Other'])
    const family = DIAGNOSIS_CODE_LIST.filter((c) => DIAGNOSIS_CODES[c].phase === 'delete')
    assert.deepEqual(
      family.filter((c) => !covered.has(c)),
      [],
    )
  })

  it('nothing matched: DeleteBlocked.Other (a late delete seen only as requested and gone)', () => {
    const s = initialState('u-9', 'shop', 'web-9')
    s.seenObject = true
    s.facts = { owner: { kind: 'ReplicaSet', name: 'web' }, restartPolicy: 'Always' }
    s.ms.created = { t: T0, p: 'us', s: 'audit' }
    s.ms.ready = { t: T0 + 5e6, p: 'us', s: 'audit' }
    s.ms.deleteRequested = { t: T0 + 60e6, p: 's', s: 'watch' }
    s.ms.deleted = { t: T0 + 60e6 + 11 * MIN * 1000, p: 'us', s: 'watch' }
    s.slo.delete = { result: 'late', thresholdMs: 600_000, violatedAt: T0, final: true }
    const d = diagnoseDelete(s, config, s.ms.deleted.t)
    assert.equal(d?.code, 'DeleteBlocked.Other')
    assert.equal(d?.owner, 'unknown')
  })

  it("a kubelet that went quiet names its node's state from the pod's own Events", () => {
    const { state } = run('web-node', { ...base, stopMs: null, kubeletConfirms: false })
    state.events.push({
      uid: 'ev-node',
      reason: 'NodeNotReady',
      type: 'Warning',
      message: 'Node is not ready',
      component: 'node-controller',
      first: T0 + 90e6,
      firstP: 's',
      last: T0 + 90e6,
      count: 1,
    })
    const d = diagnoseDelete(state, config, T0 + 50 * MIN * 1000)
    assert.equal(d?.code, 'DeleteBlocked.KubeletUnconfirmed')
    assert.match(d?.detail ?? '', /reported NodeNotReady/)
    assert.ok(d?.evidence.some((e) => e.reason === 'NodeNotReady'))
  })
})
