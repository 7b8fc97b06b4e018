import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { DurationError, formatDuration, parseGoDuration } from '../../config/duration.ts'

describe('parseGoDuration', () => {
  const valid: Array<[string, number]> = [
    ['0', 0],
    ['+0', 0],
    ['-0', 0],
    ['0s', 0],
    ['1m30s', 90_000],
    ['6m', 360_000],
    ['480s', 480_000],
    ['1.5h', 5_400_000],
    ['300ms', 300],
    ['10m', 600_000],
    ['35m', 2_100_000],
    ['1h2m3s4ms', 3_723_004],
    ['2h45m', 9_900_000],
    ['.5s', 500],
    ['1.s', 1_000],
    ['1.0001s', 1_000],
    ['1500us', 2],
    ['1500µs', 2],
    ['1500μs', 2],
    ['2000000ns', 2],
    ['1ns', 0],
    ['-1m30s', -90_000],
    ['+5m', 300_000],
    ['1m1m', 120_000],
  ]
  for (const [text, ms] of valid) {
    it(`parses ${JSON.stringify(text)} as ${ms}ms`, () => {
      assert.equal(parseGoDuration(text), ms)
    })
  }

  const invalid: Array<[string, string]> = [
    ['', 'it is empty'],
    ['-', 'it is empty'],
    ['90', 'the unit is missing after "90"'],
    ['1m30', 'the unit is missing after "30"'],
    ['90 seconds', 'unknown unit " seconds"'],
    ['5sec', 'unknown unit "sec"'],
    ['1d', 'unknown unit "d"'],
    ['1M', 'unknown unit "M"'],
    ['s', 'a number is missing before "s"'],
    ['.s', 'a number is missing before ".s"'],
    [' 1m', 'a number is missing before " 1m"'],
    ['1..5s', 'the unit is missing after "1."'],
    ['--1s', 'a number is missing before "-1s"'],
    ['3000000h', 'it is out of range (over ~292 years)'],
  ]
  for (const [text, problem] of invalid) {
    it(`rejects ${JSON.stringify(text)}: ${problem}`, () => {
      assert.throws(
        () => parseGoDuration(text),
        (err: unknown) => {
          assert.ok(err instanceof DurationError)
          assert.equal(err.name, 'DurationError')
          assert.equal(err.text, text)
          assert.equal(err.problem, problem)
          assert.match(err.message, /expected a Go duration such as "1m30s", "6m", "480s"/)
          assert.ok(err.message.startsWith(`invalid duration ${JSON.stringify(text)}: ${problem}`))
          return true
        },
      )
    })
  }
})

describe('formatDuration', () => {
  const cases: Array<[number, string]> = [
    [0, '0s'],
    [0.4, '0s'],
    [-0.4, '0s'],
    [1, '1ms'],
    [300, '300ms'],
    [999.6, '1s'],
    [1_000, '1s'],
    [1_500, '1.5s'],
    [1_050, '1.05s'],
    [90_000, '1m30s'],
    [480_000, '8m0s'],
    [3_600_000, '1h0m0s'],
    [5_400_000, '1h30m0s'],
    [3_723_004, '1h2m3.004s'],
    [-125_000, '-2m5s'],
  ]
  for (const [ms, text] of cases) {
    it(`formats ${ms}ms as ${text}`, () => {
      assert.equal(formatDuration(ms), text)
    })
  }

  it('round-trips through parseGoDuration', () => {
    for (const ms of [0, 1, 999, 1_000, 61_001, 480_000, 2_100_000, 90_061_500, -7_000]) {
      assert.equal(parseGoDuration(formatDuration(ms)), ms)
    }
  })

  it('rejects non-finite numbers', () => {
    assert.throws(() => formatDuration(Number.NaN), RangeError)
    assert.throws(() => formatDuration(Number.POSITIVE_INFINITY), RangeError)
  })
})
