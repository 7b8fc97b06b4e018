import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { humanLine } from '../../actors/log-format.ts'
import { processLogger } from '../../actors/process-setup.ts'

function capture(isTTY: boolean) {
  const lines: string[] = []
  return { isTTY, lines, write: (s: string) => lines.push(s) }
}

const flush = () => new Promise((r) => setTimeout(r, 20))

describe('logs: human-readable on a terminal, JSON otherwise', () => {
  it('formats a pino line as time, level, component, message and fields, stack below', () => {
    const line = JSON.stringify({
      level: 40,
      time: Date.UTC(2026, 0, 2, 3, 4, 5, 120),
      pid: 1,
      hostname: 'h',
      component: 'gateway',
      msg: 'bus unavailable',
      addr: '127.0.0.1:8080',
      note: 'two words',
      err: { type: 'Error', message: 'x', stack: 'Error: x\n    at f (a.js:1:1)' },
    })
    assert.equal(
      humanLine(line),
      '03:04:05.120 WARN  [gateway] bus unavailable addr=127.0.0.1:8080 note="two words"\n  Error: x\n      at f (a.js:1:1)',
    )
    assert.equal(humanLine('not json'), 'not json')
  })

  it('a terminal gets human lines, with secrets still redacted', async () => {
    const tty = capture(true)
    processLogger({ LOG_LEVEL: 'info' }, tty).info({ token: 's3cret', n: 1 }, 'hello')
    await flush()
    assert.equal(tty.lines.length, 1)
    assert.match(
      tty.lines[0] ?? '',
      /^\d\d:\d\d:\d\d\.\d{3} INFO {2}hello token=\[redacted\] n=1\n$/,
    )
    assert.doesNotMatch(tty.lines.join(''), /s3cret/)
  })

  it('LOG_FORMAT=json keeps JSON on a terminal; LOG_FORMAT=human formats a pipe', async () => {
    const tty = capture(true)
    processLogger({ LOG_FORMAT: 'json' }, tty).info('x')
    const pipe = capture(false)
    processLogger({ LOG_FORMAT: 'human' }, pipe).info('y')
    await flush()
    assert.equal(tty.lines.length, 0, 'JSON goes to fd 2 directly, not through the formatter')
    assert.match(pipe.lines[0] ?? '', / INFO {2}y\n$/)
  })
})
