import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import * as v from 'valibot'
import {
  DIAGNOSIS_CODE_LIST,
  DIAGNOSIS_CODES,
  DIAGNOSIS_PHASES,
  DiagnosisCode,
} from '../../protocol/diagnosis-codes.ts'
import { DIAGNOSIS_DOC_PATH, renderDiagnosisDoc } from '../../tools/gen-diagnosis-doc.ts'

/** LIFECYCLE §6, verbatim: codes are stable API, so this list only ever grows. */
const STABLE = [
  'Unschedulable.InsufficientResources',
  'Unschedulable.TaintNotTolerated',
  'Unschedulable.AffinityMismatch',
  'Unschedulable.VolumeBinding',
  'Unschedulable.NoNodes',
  'Unschedulable.Other',
  'SchedulingGated',
  'Preempted',
  'SchedulingSlow',
  'AdmissionRejected',
  'KubeletRejected',
  'KubeletSlow',
  'VolumeConfigMissing',
  'VolumeMountFailed',
  'SandboxFailed',
  'NetworkNotReady',
  'ImageNotFound',
  'ImageUnauthorized',
  'ImageInvalidName',
  'ImageNeverPull',
  'ImagePullFailed',
  'ImagePullSlow',
  'ContainerConfigError',
  'ContainerCreateFailed',
  'ContainerStartFailed',
  'PostStartHookFailed',
  'PostStartHookSlow',
  'InitContainerFailed',
  'CrashLoopBackOff',
  'OOMKilled',
  'ReadinessProbeFailing',
  'StartupProbeFailing',
  'Evicted',
  'NodeLost',
  'DeletedBeforeReady',
  'SlowPhase',
  'Unknown',
  'DeleteBlocked.Finalizer',
  'DeleteBlocked.GracePeriod',
  'DeleteBlocked.KubeletUnconfirmed',
  'DeleteBlocked.Other',
]

describe('diagnosis code catalogue', () => {
  it('keeps every code of LIFECYCLE §6 and nothing else', () => {
    assert.deepEqual([...DIAGNOSIS_CODE_LIST].sort(), [...STABLE].sort())
    assert.ok(v.is(DiagnosisCode, 'CrashLoopBackOff'))
    assert.ok(!v.is(DiagnosisCode, 'crashloopbackoff'))
  })

  it('lists codes in phase order', () => {
    const ranks = DIAGNOSIS_CODE_LIST.map((c) => DIAGNOSIS_PHASES.indexOf(DIAGNOSIS_CODES[c].phase))
    assert.deepEqual(
      ranks,
      [...ranks].sort((a, b) => a - b),
    )
  })

  it(`${DIAGNOSIS_DOC_PATH} is generated from the catalogue (npx tsx tools/gen-diagnosis-doc.ts)`, () => {
    // Tests run from the repository root (as npm test and CI do).
    const doc = readFileSync(DIAGNOSIS_DOC_PATH, 'utf8')
    assert.equal(doc, renderDiagnosisDoc())
    for (const code of STABLE) assert.ok(doc.includes(`| \`${code}\` |`), code)
  })
})
