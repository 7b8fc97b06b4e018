import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { before, describe, it } from 'node:test'
import { createDiagnose } from '../../actors/lifecycle/diagnosis-hook.ts'
import { DEFAULT_SLO_CONFIG } from '../../config/slo-config.ts'
import type { PodReport } from '../../protocol/pod-report.ts'
import { runReplay } from '../../tools/replay/replay.ts'
import { realdata } from '../support/realdata.ts'

interface KeyEvent {
  reason: string
  type: string
  message: string
}
interface KeyPod {
  uid: string
  name: string
  node?: string | null
  static_mirror_pod?: boolean
  scheduled_event?: unknown
  events: KeyEvent[]
}

const has = (p: KeyPod, re: RegExp) => p.events.some((e) => re.test(`${e.reason} ${e.message}`))

for (const cluster of ['metal', 'vsphere'] as const) {
  describe(`diagnosis of the ${cluster} cluster (real data, ANALYSIS.md answer key)`, () => {
    const base = `events/openshift-ci-${cluster}-2021-09-14`
    let pods: KeyPod[] = []
    const byUid = new Map<string, PodReport>()
    before(async () => {
      pods = (
        JSON.parse(readFileSync(realdata(`${base}.answer_key.json`), 'utf8')) as { pods: KeyPod[] }
      ).pods
      const { reports } = await runReplay({
        inputs: [realdata(`${base}.events.jsonl`), realdata(`${base}.pods.jsonl`)],
        config: DEFAULT_SLO_CONFIG,
        diagnose: createDiagnose(DEFAULT_SLO_CONFIG),
      })
      for (const r of reports) byUid.set(r.uid, r)
      const table = new Map<string, number>()
      for (const r of reports) {
        const k = `${r.slo.create.result.padEnd(10)} ${r.diagnosis?.code ?? '-'}`
        table.set(k, (table.get(k) ?? 0) + 1)
      }
      const rows = [...table].sort().map(([k, n]) => `  ${String(n).padStart(4)}  ${k}`)
      console.log(
        `confusion table of primary codes, ${cluster} (${reports.length} pods):\n${rows.join('\n')}`,
      )
    })

    const check = (select: (p: KeyPod) => boolean, ok: (r: PodReport) => boolean, min = 1) => {
      const chosen = pods.filter(select)
      assert.ok(chosen.length >= min, `only ${chosen.length} pods selected`)
      for (const p of chosen) {
        const r = byUid.get(p.uid)
        assert.ok(r, `no report for ${p.name}`)
        assert.ok(
          ok(r),
          `${p.name}: ${r.slo.create.result} ${r.diagnosis?.code} ${JSON.stringify(r.diagnosis?.findings)}`,
        )
      }
    }

    it('every pod with "Back-off restarting failed container" has CrashLoopBackOff in its findings, with the last termination', () => {
      check(
        (p) => has(p, /Back-off restarting failed container/),
        (r) => r.diagnosis?.findings.includes('CrashLoopBackOff') === true,
        10,
      )
    })

    it('never-scheduled pods get an Unschedulable.* primary code matching the FailedScheduling message', () => {
      check(
        (p) => has(p, /^FailedScheduling/) && !p.scheduled_event && !p.static_mirror_pod && !p.node,
        (r) =>
          r.diagnosis?.code.startsWith('Unschedulable.') === true &&
          r.diagnosis.owner !== undefined,
      )
    })

    it('FailedCreatePodSandBox pods get SandboxFailed', () => {
      check(
        (p) => has(p, /^FailedCreatePodSandBox/),
        (r) => r.diagnosis?.findings.includes('SandboxFailed') === true,
      )
    })

    it('pods whose only warnings are FailedMount on missing secrets/configMaps get VolumeConfigMissing', () => {
      check(
        (p) => {
          const warnings = p.events.filter((e) => e.type === 'Warning')
          return (
            warnings.length > 0 &&
            warnings.every(
              (e) =>
                e.reason === 'FailedMount' &&
                /(secret|configmap) "[^"]+" not found/.test(e.message),
            )
          )
        },
        (r) => r.diagnosis?.code === 'VolumeConfigMissing',
      )
    })

    if (cluster === 'metal') {
      it('the ErrImagePull pods get ImagePullFailed ("pull QPS exceeded") and are still late or success', () => {
        check(
          (p) => has(p, /ErrImagePull/),
          (r) =>
            r.diagnosis?.findings.includes('ImagePullFailed') === true &&
            ['late', 'success'].includes(r.slo.create.result),
          2,
        )
      })
    } else {
      it('the CreateContainerConfigError pod (ANALYSIS I) gets ContainerConfigError', () => {
        check(
          (p) => has(p, /cannot construct envvars/),
          (r) => r.diagnosis?.code === 'ContainerConfigError',
        )
      })
    }

    it('a diagnosis is present whenever the verdict is not success/pending, and evidence carries times', () => {
      for (const r of byUid.values()) {
        if (['late', 'failed', 'killed'].includes(r.slo.create.result)) {
          assert.ok(r.diagnosis, `${r.name} (${r.slo.create.result}) has no diagnosis`)
          assert.ok(r.diagnosis.evidence.length > 0, `${r.name}: no evidence`)
          assert.ok(r.diagnosis.evidence.every((e) => /^\d{4}-\d{2}-\d{2}T/.test(e.time)))
        }
      }
    })
  })
}
