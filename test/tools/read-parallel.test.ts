import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { gunzipSync } from 'node:zlib'
import { DEFAULT_SLO_CONFIG } from '../../config/slo-config.ts'
import { foldSplit, splitPoint } from '../../tools/replay/read-parallel.ts'
import { readAll, type SkippedLine } from '../../tools/replay/read-signals.ts'

const SAMPLE = 'examples/sample-cluster.audit.jsonl.gz'

let dir = ''
let plain = ''
let junk = ''
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lunettes-read-parallel-'))
  const lines = gunzipSync(readFileSync(SAMPLE)).toString('utf8').split('\n')
  plain = join(dir, 'sample.jsonl')
  await writeFile(plain, lines.join('\n'))
  // Malformed lines, blanks and comments spread over the whole file, so both halves have some.
  const mixed = lines.flatMap((l, i) =>
    i % 97 === 0 ? [l, '{"kind": "Event", broken', '', '# note', '[1, 2]'] : [l],
  )
  junk = join(dir, 'junk.jsonl')
  await writeFile(junk, `${mixed.join('\r\n')}\r\n`)
})
after(() => rm(dir, { recursive: true, force: true }))

async function read(file: string, parallelMinBytes: number) {
  const told: SkippedLine[] = []
  const out = await readAll([file], DEFAULT_SLO_CONFIG, (s) => told.push(s), { parallelMinBytes })
  return { ...out, told }
}

describe('a large JSON-lines input read by two threads (cut forced with a 1-byte threshold)', () => {
  it('is cut just after a newline near the middle; gzip and small files are not cut', async () => {
    const at = await splitPoint(plain, 1)
    assert.ok(at !== null)
    const bytes = readFileSync(plain)
    assert.equal(bytes[at - 1], 10)
    assert.ok(at > bytes.length * 0.3 && at < bytes.length * 0.7)
    assert.equal(await splitPoint(SAMPLE, 1), null)
    assert.equal(await splitPoint(plain, bytes.length + 1), null)
  })

  for (const [name, file] of [
    ['the sample audit log', () => plain],
    ['the sample with malformed, blank and comment lines (CRLF)', () => junk],
  ] as const) {
    it(`gives the signals, stats and skipped lines of one thread: ${name}`, async () => {
      const one = await read(file(), Number.POSITIVE_INFINITY)
      const two = await read(file(), 1)
      assert.ok(one.signals.length > 1000)
      assert.deepEqual(two.signals, one.signals)
      assert.deepEqual(two.stats, one.stats)
      assert.deepEqual(
        Object.keys(two.stats[0]?.dropped ?? {}),
        Object.keys(one.stats[0]?.dropped ?? {}),
      )
      assert.deepEqual(two.skipped, one.skipped)
      assert.deepEqual(two.told, one.told)
    })
  }

  it('has the second part read by a worker thread', async () => {
    const at = await splitPoint(plain, 1)
    assert.ok(at !== null)
    const folded = await foldSplit(plain, at, new Set(), () => {})
    assert.equal(folded.byWorker, true)
    assert.ok(folded.signals.length > 1000)
  })

  it('numbers malformed lines of the second half by their place in the whole file', async () => {
    const { told } = await read(junk, 1)
    const lines = readFileSync(junk, 'utf8').split('\r\n')
    assert.ok(told.length > 20)
    for (const s of told) assert.match(lines[s.line - 1] ?? '', /broken|\[1, 2\]/)
    const at = (await splitPoint(junk, 1)) ?? 0
    const cutLine = readFileSync(junk).subarray(0, at).toString('utf8').split('\n').length
    assert.ok(
      told.some((s) => s.line > cutLine),
      'some malformed lines lie past the cut',
    )
  })
})
