import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { appendFile, mkdtemp, open, rename, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it, type TestContext } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { AuditLogTail } from '../../../actors/collectors/audit-tail.ts'
import { LineReader } from '../../../actors/collectors/line-reader.ts'
import { EmbeddedBus } from '../../../actors/runtime/bus/embedded-bus.ts'
import { MemoryStore } from '../../../actors/runtime/store/memory-store.ts'

const LINES = readFileSync('test/fixtures/audit/mixed-pods.jsonl', 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')

async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'audit-tail-lines-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  return dir
}

async function reader(t: TestContext, file: string, offset = 0, maxLineBytes?: number) {
  const r = new LineReader(await open(file, 'r'), offset, {
    chunkBytes: 7,
    ...(maxLineBytes === undefined ? {} : { maxLineBytes }),
  })
  t.after(() => r.close())
  return r
}

describe('LineReader', () => {
  it('splits lines across buffer refills and holds a partial last line', async (t) => {
    const file = join(await tempDir(t), 'x.log')
    await writeFile(file, 'héllo wörld\nshort\n\nthe partial')
    const r = await reader(t, file)
    const lines = await r.readLines(10)
    assert.deepEqual(
      lines.map((l) => l.text),
      ['héllo wörld', 'short', ''],
    )
    assert.deepEqual(lines[1], { text: 'short', start: 14, end: 20 })
    assert.equal(r.committed, 21, 'only complete lines are covered')
    assert.deepEqual(await r.readLines(10), [])
    await appendFile(file, ' line\nnext\n')
    assert.deepEqual(
      (await r.readLines(1)).map((l) => l.text),
      ['the partial line'],
    )
    assert.deepEqual(
      (await r.readLines(5)).map((l) => [l.text, l.end]),
      [['next', 43]],
    )
  })

  it('resumes at an offset, skips overlong lines, hands out an unterminated rest', async (t) => {
    const file = join(await tempDir(t), 'x.log')
    await writeFile(file, `skipped\nok\n${'x'.repeat(40)}\nfine\ntail`)
    const r = await reader(t, file, 8, 20)
    const lines = await r.readLines(10)
    assert.deepEqual(
      lines.map((l) => l.text),
      ['ok', null, 'fine'],
    )
    assert.equal(lines[1]?.start, 11)
    assert.equal(lines[1]?.end, 52)
    assert.deepEqual(r.takeRest(), { text: 'tail', start: 57, end: 61 })
    assert.equal(r.takeRest(), null)
    r.reset(0)
    assert.equal((await r.readLines(1))[0]?.text, 'skipped')
  })
})

describe('AuditLogTail edge cases', () => {
  it('publishes the unterminated last line of a rotated file, counts dropped and malformed', async (t) => {
    const dir = await tempDir(t)
    const path = join(dir, 'audit.log')
    const bus = new EmbeddedBus()
    t.after(() => bus.close())
    await bus.ensureStream({
      name: 'LUNETTES_SIGNALS',
      subjects: ['lunettes.signals.*'],
      maxAgeMs: 60_000,
      maxBytes: -1,
      duplicateWindowMs: 60_000,
    })
    let seen = 0
    // Signals only: the tail's source watermarks (protocol/watermark.ts) share the subjects.
    const sub = bus.subscribe('lunettes.signals.*', (_s, data) => {
      if (!new TextDecoder().decode(data).includes('"kind":"watermark"')) seen++
    })
    t.after(() => sub.close())
    const warnings: string[] = []
    const log = {
      info: () => {},
      warn: (_o: object, m: string) => warnings.push(m),
      error: () => {},
    }
    const stats: number[] = []
    const tail = new AuditLogTail({
      path,
      bus,
      store: new MemoryStore(),
      partitions: 8,
      ignoredNamespaces: new Set(['kube-system']),
      pollMs: 10,
      batchLines: 100,
      log,
      onStats: (s) => stats.push(s.batches),
    })
    t.after(() => tail.stop())
    const garbage = Array.from({ length: 8 }, (_, i) => `garbage ${i}`).join('\n')
    await writeFile(path, `${LINES.slice(0, 50).join('\n')}\n${garbage}\n${LINES[50]}`)
    await tail.start()
    await sleep(60)
    await rename(path, `${path}.1`)
    await writeFile(path, `${LINES[51]}\n`)
    const deadline = Date.now() + 5000
    while (tail.stats.lines < 60 && Date.now() < deadline) await sleep(5)

    const kubeSystem = LINES.slice(0, 52).filter((l) => l.includes('"namespace":"kube-system"'))
    assert.equal(tail.stats.malformed, 8)
    assert.equal(tail.stats.dropped, kubeSystem.length)
    assert.equal(tail.stats.signals, 52 - kubeSystem.length)
    assert.equal(seen, 52 - kubeSystem.length)
    assert.ok(warnings.includes('rotated file ends mid-line'))
    assert.equal(
      warnings.filter((m) => m === 'malformed audit line skipped').length,
      5,
      'per-line warnings are capped per batch',
    )
    assert.ok(warnings.includes('more malformed audit lines skipped'))
    assert.ok(stats.length > 0)
  })
})
