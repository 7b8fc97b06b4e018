import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { dockerAmbiguous } from '../../actors/lifecycle/parse-image.ts'
import { cniCause, withoutBody } from '../../actors/lifecycle/parse-kubelet.ts'
import {
  stripPreemption,
  taintKey,
  trimTrailingDots,
} from '../../actors/lifecycle/parse-scheduling.ts'
import { adversarialText } from '../../tools/fuzz/arbitraries.ts'
import { FUZZ_RUNS } from './run-group.ts'

// The linear rewrites of issue #10 against the backtracking patterns they replace (kept here
// as the reference): same answer on adversarial text. Inputs stay short (400 characters) so the
// quadratic references finish quickly.
const REFERENCE = {
  withoutBody: (t: string) => t.replace(/\s*body:\s*[\s\S]*$/, '').trim(),
  cniCause: (t: string) => {
    const m = /error adding (?:pod \S+ )?to CNI network[^:]*:\s*(.*)$/s.exec(t)
    return m?.[1] ? m[1].trim() : ''
  },
  taintKey: (t: string) => /taints?\s*\{([^:}]*)(?::[^}]*)?\}/.exec(t)?.[1]?.trim() ?? '',
  trimTrailingDots: (t: string) => t.replace(/\.+$/, ''),
  stripPreemption: (m: string) => {
    const at = m.search(/\.?\s*preemption:/i)
    const head = at >= 0 ? m.slice(0, at) : m
    return head.trim().replace(/\.+$/, '').trim()
  },
  dockerAmbiguous: (c: string) => /pull access denied.*repository does not exist/is.test(c),
}
const REWRITE: { [K in keyof typeof REFERENCE]: (typeof REFERENCE)[K] } = {
  withoutBody,
  cniCause,
  taintKey,
  trimTrailingDots,
  stripPreemption,
  dockerAmbiguous,
}

describe('linear rewrites answer as the quadratic patterns did', () => {
  for (const name of Object.keys(REFERENCE) as (keyof typeof REFERENCE)[]) {
    it(name, () => {
      const reference = REFERENCE[name] as (s: string) => unknown
      const rewrite = REWRITE[name] as (s: string) => unknown
      fc.assert(
        fc.property(adversarialText(400), (s) => {
          assert.deepEqual(rewrite(s), reference(s))
        }),
        { numRuns: FUZZ_RUNS },
      )
    })
  }

  it('examples from the data', () => {
    assert.equal(
      withoutBody('HTTP probe failed with statuscode: 503 body: <html>'),
      'HTTP probe failed with statuscode: 503',
    )
    assert.equal(
      taintKey('1 node(s) had taint {node-role.kubernetes.io/master: }'),
      'node-role.kubernetes.io/master',
    )
    assert.equal(
      stripPreemption('0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3'),
      '0/3 nodes are available: 3 Insufficient cpu',
    )
  })
})
