import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { parsePullEvent } from '../../../actors/lifecycle/parse-image.ts'
import {
  classifyContainerError,
  classifyVolume,
  parseProbe,
  RESTART_BACKOFF,
  sandboxCause,
} from '../../../actors/lifecycle/parse-kubelet.ts'
import { isSchedulingNoise, parseScheduling } from '../../../actors/lifecycle/parse-scheduling.ts'
import { realdata } from '../../support/realdata.ts'

interface RawEvent {
  reason?: string
  message?: string
  involvedObject?: { kind?: string }
}

/** Distinct messages of Pod Events per reason, in file order. */
function messages(cluster: string): Map<string, string[]> {
  const path = realdata(`events/openshift-ci-${cluster}-2021-09-14.events.jsonl`)
  const byReason = new Map<string, string[]>()
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line === '') continue
    const e = JSON.parse(line) as RawEvent
    if (e.involvedObject?.kind !== 'Pod' || !e.reason || e.message === undefined) continue
    const list = byReason.get(e.reason) ?? []
    if (!list.includes(e.message)) list.push(e.message)
    byReason.set(e.reason, list)
  }
  return byReason
}

function tally(labels: string[]): string {
  const counts = new Map<string, number>()
  for (const l of labels) counts.set(l, (counts.get(l) ?? 0) + 1)
  return [...counts.entries()].map(([k, n]) => `${k} ${n}`).join(', ')
}

for (const cluster of ['metal', 'vsphere']) {
  describe(`message parsers on real Events: openshift-ci-${cluster}-2021-09-14`, () => {
    const byReason = messages(cluster)
    const of = (reason: string) => byReason.get(reason) ?? []

    it('parses every FailedScheduling message to a specific sub-cause', () => {
      const failures = of('FailedScheduling').filter((m) => !isSchedulingNoise(m))
      assert.ok(failures.length > 5)
      const parsed = failures.map((m) => ({ m, p: parseScheduling(m) }))
      console.log(`  ${cluster} FailedScheduling: ${tally(parsed.map((x) => x.p.cause))}`)
      // The only exceptions: the scheduler lost a bind race ("binding rejected … already assigned
      // to node"). That is a conflict, not a reason the pod cannot be placed: Other is right.
      const other = parsed.filter((x) => x.p.cause === 'Unschedulable.Other').map((x) => x.m)
      for (const m of other) console.log(`    Other: ${m.slice(0, 110)}`)
      assert.ok(
        other.every((m) => m.startsWith('binding rejected:')),
        other.join('\n'),
      )
      assert.ok(other.length <= 10)
      for (const { m, p } of parsed) {
        if (/had taint \{node-role/.test(m) && !/Insufficient|not-ready/.test(m)) {
          assert.equal(p.cause, 'Unschedulable.TaintNotTolerated', m)
        }
        if (m === 'no nodes available to schedule pods')
          assert.equal(p.cause, 'Unschedulable.NoNodes')
        assert.ok(!/preemption/i.test(p.head))
      }
    })

    it('classifies every kubelet Failed event', () => {
      const labels: string[] = []
      for (const m of of('Failed')) {
        const pull = parsePullEvent('Failed', m)
        const code = pull?.code ?? classifyContainerError(m)
        assert.ok(code, m)
        labels.push(code)
        if (/pull QPS exceeded|too many requests/.test(m)) assert.equal(code, 'ImagePullFailed')
        if (/cannot construct envvars/.test(m)) assert.equal(code, 'ContainerConfigError')
      }
      console.log(`  ${cluster} Failed: ${tally(labels)}`)
    })

    it('recognises every BackOff event (restart or pull back-off)', () => {
      for (const m of of('BackOff')) {
        assert.ok(RESTART_BACKOFF.test(m) || parsePullEvent('BackOff', m) !== null, m)
      }
    })

    it('classifies FailedMount: missing secrets/configMaps vs platform failures', () => {
      const labels: string[] = []
      for (const m of of('FailedMount')) {
        const v = classifyVolume(m)
        labels.push(v.wrapper ? 'wrapper' : v.code)
        const missing = /: (secret|configmap) "[^"]+" not found$/.test(m)
        assert.equal(v.code === 'VolumeConfigMissing', missing, m)
      }
      console.log(`  ${cluster} FailedMount: ${tally(labels)}`)
    })

    it('extracts the CNI cause of every FailedCreatePodSandBox', () => {
      const list = of('FailedCreatePodSandBox')
      assert.ok(list.length > 0)
      for (const m of list) {
        const cause = sandboxCause(m)
        assert.match(cause, /^CNI: /)
        assert.doesNotMatch(cause, /k8s_/)
      }
    })

    it('reads the probe kind of every Unhealthy and ProbeError event', () => {
      const labels: string[] = []
      for (const m of [...of('Unhealthy'), ...of('ProbeError')]) {
        const p = parseProbe(m)
        assert.ok(p, m)
        assert.doesNotMatch(p.text, /body:/)
        labels.push(p.kind)
      }
      console.log(`  ${cluster} probes: ${tally(labels)}`)
    })
  })
}
