import assert from 'node:assert/strict'
import { once } from 'node:events'
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { MAX_LINE_BYTES, readInputFile } from '../../tools/replay/read-inputs.ts'

const REAL = '/work/shared/realdata/events/openshift-ci-metal-2021-09-14.events.jsonl'
const TARGET_BYTES = 100 * 1024 * 1024
const dir = mkdtempSync(join(tmpdir(), 'lunettes-garbage-'))
after(() => rmSync(dir, { recursive: true, force: true }))

/** Deterministic xorshift32, so a failure can be reproduced byte for byte. */
function prng(seed: number): (buf: Buffer) => void {
  let x = seed >>> 0 || 1
  return (buf) => {
    const words = new Uint32Array(buf.buffer, buf.byteOffset, buf.length >>> 2)
    for (let i = 0; i < words.length; i++) {
      x ^= x << 13
      x ^= x >>> 17
      x ^= x << 5
      words[i] = x >>> 0
    }
  }
}

function countNewlines(buf: Buffer): number {
  let n = 0
  for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, i + 1)) n++
  return n
}

interface Plan {
  readonly path: string
  /** line → kind for every line that must come back as a record. */
  readonly valid: Map<number, string>
  /** Lines that must come back as malformed, with a pattern for the error. */
  readonly bad: Map<number, RegExp>
  readonly bytes: number
}

/**
 * Writes ~100 MB mixing real Event lines with random bytes (NULs, invalid UTF-8, stray
 * newlines), truncated JSON, NULs inside JSON strings, a 12 MiB valid line and a 20 MiB line.
 */
async function writeGarbage(path: string): Promise<Plan> {
  const events = readFileSync(REAL, 'utf8').split('\n').filter(Boolean)
  const random = prng(0x5eed)
  const out = createWriteStream(path)
  const valid = new Map<number, string>()
  const bad = new Map<number, RegExp>()
  let line = 1
  let bytes = 0
  let n = 0
  const write = async (buf: Buffer): Promise<void> => {
    line += countNewlines(buf)
    bytes += buf.length
    if (!out.write(buf)) await once(out, 'drain')
  }
  const event = () => events[n++ % events.length] ?? '{}'
  const validLine = async (text: string, eol = '\n') => {
    valid.set(line, 'k8s-event')
    await write(Buffer.from(`${text}${eol}`))
  }
  const badLine = async (text: string | Buffer, error: RegExp) => {
    bad.set(line, error)
    await write(Buffer.concat([Buffer.from(text), Buffer.from('\n')]))
  }
  await validLine(event())
  for (let round = 0; bytes < TARGET_BYTES; round++) {
    const noise = Buffer.alloc(64 * 1024 + ((round * 7919) % (512 * 1024)))
    random(noise)
    await write(noise)
    await write(Buffer.from('\n'))
    await validLine(event(), round % 3 === 0 ? '\r\n' : '\n')
    const e = event()
    await badLine(e.slice(0, e.length >> 1), /^invalid JSON: /)
    await badLine(e.replace('"message":"', '"message":"\u0000'), /^invalid JSON: /)
    await badLine(Buffer.alloc(300), /^invalid JSON: /)
    await validLine(event().replace('"message":"', '"message":"\xff\ufffe'))
    const invalidUtf8 = Buffer.from(event().replace('"message":"', '"message":"@@'))
    invalidUtf8.set([0xc3, 0x28], invalidUtf8.indexOf('@@'))
    valid.set(line, 'k8s-event')
    await write(Buffer.concat([invalidUtf8, Buffer.from('\n')]))
    if (round === 3) {
      const huge = Buffer.alloc(MAX_LINE_BYTES + 4 * 1024 * 1024, 'x')
      huge.write('{"kind":"Event","message":"')
      await badLine(huge, /^line longer than 16 MiB \(\d+ bytes\): not read$/)
    }
    if (round === 5) {
      const big = event().replace('"message":"', `"message":"${'y'.repeat(12 * 1024 * 1024)}`)
      await validLine(big)
    }
  }
  await validLine(event(), '') // the last line has no newline
  out.end()
  await once(out, 'finish')
  return { path, valid, bad, bytes }
}

describe('readInputFile on 100 MB of garbage', () => {
  it('never throws, reports bad lines by number and keeps every valid line', {
    timeout: 60_000,
  }, async () => {
    const started = Date.now()
    const plan = await writeGarbage(join(dir, 'garbage.jsonl'))
    assert.ok(plan.bytes >= TARGET_BYTES)
    const got = new Map<number, string>()
    const reported = new Map<number, string>()
    let malformed = 0
    let last = 0
    for await (const r of readInputFile(plan.path)) {
      assert.ok(r.line >= last, 'records come in line order')
      last = r.line
      if (r.kind !== 'malformed') {
        got.set(r.line, r.kind)
        continue
      }
      malformed++
      if (plan.bad.has(r.line)) reported.set(r.line, r.error)
      assert.ok(r.error.length <= 260, `line ${r.line}: error too long: ${r.error.length}`)
      // biome-ignore lint/suspicious/noControlCharactersInRegex: checking they were removed
      assert.doesNotMatch(r.error, /[\u0000-\u001f]/)
    }
    assert.deepEqual(got, plan.valid)
    for (const [line, pattern] of plan.bad) {
      assert.match(reported.get(line) ?? `line ${line} not reported`, pattern)
    }
    assert.ok(malformed > plan.bad.size, 'random lines are reported too')
    const seconds = (Date.now() - started) / 1000
    assert.ok(seconds < 30, `took ${seconds}s`)
  })
})
