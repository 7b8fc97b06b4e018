import assert from 'node:assert/strict'
import { appendFile, rename, stat, truncate, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { idsOf, LINES, tailHarness, text } from '../../support/audit-tail-harness.ts'

describe('AuditLogTail', () => {
  it('follows appends, holds a partial line until its newline, skips malformed lines', async (t) => {
    const h = await tailHarness(t)
    await writeFile(h.path, text(0, 10))
    const tail = h.tail()
    await tail.start()
    await h.until(10)
    await appendFile(h.path, text(10, 25))
    await h.until(25)

    const line = LINES[25] ?? ''
    await appendFile(h.path, line.slice(0, 300))
    await sleep(80)
    assert.equal(h.seen.length, 25, 'a partial line is not consumed')
    const covered = JSON.parse((await h.store.getMeta(`audit-tail:${h.path}`)) ?? '{}')
    assert.equal(covered.offset, Buffer.byteLength(text(0, 25)), 'checkpoint covers complete lines')
    await appendFile(h.path, `${line.slice(300)}\n`)
    await h.until(26)

    await appendFile(h.path, 'kubectl said: {oops\n{"kind":"Event","auditID":42}\n\n')
    await appendFile(h.path, text(26, 30))
    await h.until(30)
    assert.deepEqual(h.seen, idsOf(0, 30))
    const stats = tail.stats
    assert.equal(stats.malformed, 2)
    assert.equal(stats.signals, 30)
    assert.equal(stats.lines, 33, '30 records, 2 malformed lines, 1 blank line')
    const warned = h.logs.filter((l) => l.msg === 'malformed audit line skipped')
    assert.equal(warned.length, 2)
    for (const w of warned) assert.equal(typeof (w.obj as { offset?: unknown }).offset, 'number')
    assert.ok(!JSON.stringify(h.logs).includes('oops'), 'line content is never logged')

    await tail.stop()
    const cp = JSON.parse((await h.store.getMeta(`audit-tail:${h.path}`)) ?? '{}')
    assert.equal(cp.offset, (await stat(h.path)).size)
    assert.equal(BigInt(cp.ino), (await stat(h.path, { bigint: true })).ino)
  })

  it('follows a rotation: the old file is finished, then the new one read from 0', async (t) => {
    const h = await tailHarness(t)
    await writeFile(h.path, text(0, 20))
    const tail = h.tail()
    await tail.start()
    await h.until(20)

    // the writer appends, rotates, keeps writing to its old descriptor, then opens the new file
    await appendFile(h.path, text(20, 30))
    await rename(h.path, `${h.path}.1`)
    await appendFile(`${h.path}.1`, text(30, 35))
    await writeFile(h.path, text(35, 50))
    await h.until(50)
    await appendFile(h.path, text(50, 60))
    await h.until(60)

    assert.deepEqual(h.seen, idsOf(0, 60), 'every line once, in file order')
    assert.equal(tail.stats.rotations, 1)
    await tail.stop()
    const cp = JSON.parse((await h.store.getMeta(`audit-tail:${h.path}`)) ?? '{}')
    assert.equal(BigInt(cp.ino), (await stat(h.path, { bigint: true })).ino)
    assert.equal(cp.offset, Buffer.byteLength(text(35, 60)))
  })

  it('follows a rotation when the new file appears only later', async (t) => {
    const h = await tailHarness(t)
    await writeFile(h.path, text(0, 10))
    const tail = h.tail()
    await tail.start()
    await h.until(10)
    await rename(h.path, `${h.path}.1`)
    await sleep(50)
    await appendFile(`${h.path}.1`, text(10, 15))
    await h.until(15)
    await writeFile(h.path, text(15, 25))
    await h.until(25)
    assert.deepEqual(h.seen, idsOf(0, 25))
  })

  it('follows two rotations that happen between two polls', async (t) => {
    const h = await tailHarness(t)
    await writeFile(h.path, text(0, 10))
    const tail = h.tail({ pollMs: 300 })
    await tail.start()
    await h.until(10)
    await appendFile(h.path, text(10, 15))
    await rename(h.path, join(dirname(h.path), 'audit-2024-05-14T09-00-00.000.log'))
    await writeFile(h.path, text(15, 25))
    await sleep(5)
    await rename(h.path, join(dirname(h.path), 'audit-2024-05-14T10-00-00.000.log'))
    await writeFile(h.path, text(25, 30))
    await h.until(30)
    assert.deepEqual(h.seen, idsOf(0, 30), 'old file, the intermediate one, then the live one')
    assert.equal(tail.stats.rotations, 1, 'seen as one rotation; the backlog catches the rest')
  })

  it('restarts from 0 after a truncation', async (t) => {
    const h = await tailHarness(t)
    await writeFile(h.path, text(0, 40))
    const tail = h.tail({ batchLines: 500 })
    await tail.start()
    await h.until(40)
    const ino = (await stat(h.path)).ino
    await truncate(h.path, 0)
    await appendFile(h.path, text(40, 45))
    await h.until(45)
    await appendFile(h.path, text(45, 50))
    await h.until(50)
    assert.equal((await stat(h.path)).ino, ino, 'same file')
    assert.deepEqual(h.seen, idsOf(0, 50))
    assert.equal(tail.stats.truncations, 1)
  })

  it('waits for a file that does not exist yet', async (t) => {
    const h = await tailHarness(t)
    const tail = h.tail()
    await tail.start()
    await sleep(40)
    await writeFile(h.path, text(0, 12))
    await h.until(12)
    assert.deepEqual(h.seen, idsOf(0, 12))
    assert.ok(h.logs.some((l) => l.msg === 'waiting for the audit log to appear'))
  })
})
