import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { checkRegexes, describeFailures, regexesUnder } from './regex-check.ts'
import { findRegexes } from './regex-literals.ts'

// Every regex on untrusted text must run in linear time (issue #10): recheck, a ReDoS checker
// that finds polynomial patterns too, judges every regex literal and `RegExp('…')` of the
// folders that read tenant-written text.
const FOLDERS = ['protocol', 'actors/lifecycle']
const PLANTED = 'test/lint/planted/planted-quadratic-regex.ts.txt'

describe('regexes on untrusted text are linear', () => {
  it('the scanner finds exactly the regexes of the planted file, skipping look-alikes', () => {
    const found = findRegexes(PLANTED, readFileSync(PLANTED, 'utf8'))
    assert.deepEqual(
      found.map((r) => [r.line, r.kind, r.source, r.flags]),
      [
        [9, 'literal', '\\s*#\\s*$', ''],
        [10, 'literal', '^[a-z]+$', 'i'],
        [11, 'constructor', '^(a+)+$', 'u'],
      ],
    )
  })

  it('fails on the planted quadratic and exponential regexes (planted source file)', async () => {
    const found = findRegexes(PLANTED, readFileSync(PLANTED, 'utf8'))
    const verdicts = await checkRegexes(found)
    assert.deepEqual(
      verdicts.map((v) => [v.regex.line, v.status]),
      [
        [9, 'vulnerable'],
        [10, 'safe'],
        [11, 'vulnerable'],
      ],
    )
    assert.match(describeFailures(verdicts), /:9 .*polynomial, degree 2/)
    assert.match(describeFailures(verdicts), /:11 .*exponential/)
  })

  it('a RegExp built from a variable is refused as unverifiable', async () => {
    const found = findRegexes('planted.ts', 'const p = userText\nconst r = new RegExp(p, "g")\n')
    assert.deepEqual(
      found.map((r) => r.kind),
      ['dynamic'],
    )
    const [verdict] = await checkRegexes(found)
    assert.equal(verdict?.status, 'unknown')
  })

  it(`every regex in ${FOLDERS.join(' and ')} is linear`, async () => {
    const found = FOLDERS.flatMap((dir) => regexesUnder(dir))
    // The parsers hold dozens of patterns; an empty scan would pass vacuously.
    assert.ok(found.length > 50, `only ${found.length} regexes found`)
    const verdicts = await checkRegexes(found)
    assert.equal(describeFailures(verdicts), '')
  })
})
