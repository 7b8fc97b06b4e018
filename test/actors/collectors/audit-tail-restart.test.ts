import assert from 'node:assert/strict'
import { appendFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import {
  type Bus,
  BusUnavailableError,
  type ConsumerSpec,
  type OutMessage,
  type StreamSpec,
} from '../../../actors/runtime/bus/bus.ts'
import type { EmbeddedBus } from '../../../actors/runtime/bus/embedded-bus.ts'
import { idsOf, tailHarness, text, until } from '../../support/audit-tail-harness.ts'

class FlakyBus implements Bus {
  readonly inner: EmbeddedBus
  down = false
  attempts = 0
  failures = 0
  constructor(inner: EmbeddedBus) {
    this.inner = inner
  }
  async publish(messages: readonly OutMessage[]): Promise<void> {
    this.attempts++
    if (this.down) {
      this.failures++
      throw new BusUnavailableError('nats: connection closed')
    }
    await this.inner.publish(messages)
  }
  ensureStream(spec: StreamSpec) {
    return this.inner.ensureStream(spec)
  }
  consumer(spec: ConsumerSpec) {
    return this.inner.consumer(spec)
  }
  emit(subject: string, data: Uint8Array) {
    this.inner.emit(subject, data)
  }
  subscribe(subject: string, handler: (subject: string, data: Uint8Array) => void) {
    return this.inner.subscribe(subject, handler)
  }
  request(subject: string, data: Uint8Array, timeoutMs: number) {
    return this.inner.request(subject, data, timeoutMs)
  }
  serve(subject: string, queue: string, handler: (data: Uint8Array) => Promise<Uint8Array>) {
    return this.inner.serve(subject, queue, handler)
  }
  kv(bucket: string, ttlMs: number) {
    return this.inner.kv(bucket, ttlMs)
  }
  close() {
    return this.inner.close()
  }
}

describe('AuditLogTail restart and backpressure', () => {
  it('resumes from the checkpoint: only lines appended while stopped are published', async (t) => {
    const h = await tailHarness(t, (b) => new FlakyBus(b))
    await writeFile(h.path, text(0, 20))
    const first = h.tail()
    await first.start()
    await h.until(20)
    await first.stop()
    await appendFile(h.path, text(20, 30))
    await sleep(30)
    assert.equal(h.seen.length, 20, 'nothing read while stopped')

    const second = h.tail()
    await second.start()
    await h.until(30)
    assert.deepEqual(h.seen, idsOf(0, 30), 'no line re-published, none skipped')
    assert.equal(second.stats.signals, 10)
  })

  it('finishes the rotated checkpoint file first when the log rotated while stopped', async (t) => {
    const h = await tailHarness(t, (b) => new FlakyBus(b))
    await writeFile(h.path, text(0, 20))
    await writeFile(join(h.dir, 'audit-policy.yaml'), 'apiVersion: audit.k8s.io/v1\n')
    const first = h.tail()
    await first.start()
    await h.until(20)
    await first.stop()

    await appendFile(h.path, text(20, 25))
    await rename(h.path, join(h.dir, 'audit-2024-05-14T09-00-00.000.log'))
    await writeFile(h.path, text(25, 35))
    await sleep(20)
    await rename(h.path, join(h.dir, 'audit-2024-05-14T10-00-00.000.log'))
    await writeFile(h.path, text(35, 40))

    const second = h.tail()
    await second.start()
    await h.until(40)
    assert.deepEqual(
      h.seen,
      idsOf(0, 40),
      'rest of the old file, the next rotated one, then the live one',
    )
    assert.equal(second.stats.signals, 20)
    assert.equal(second.stats.malformed, 0, 'unrelated files in the directory are not read')
    await appendFile(h.path, text(40, 45))
    await h.until(45)
    assert.deepEqual(h.seen, idsOf(0, 45))
  })

  it('resumes at 0 of the live file when the checkpoint file is gone', async (t) => {
    const h = await tailHarness(t, (b) => new FlakyBus(b))
    await writeFile(h.path, text(0, 10))
    const first = h.tail()
    await first.start()
    await h.until(10)
    await first.stop()
    await rm(h.path)
    await writeFile(h.path, text(10, 20))
    const second = h.tail()
    await second.start()
    await h.until(20)
    assert.deepEqual(h.seen, idsOf(0, 20))
  })

  it('retries while the bus is down: no line lost, none skipped, none read ahead', async (t) => {
    const h = await tailHarness(t, (b) => new FlakyBus(b))
    await writeFile(h.path, text(0, 30))
    h.bus.down = true
    const tail = h.tail()
    await tail.start()
    await until(() => h.bus.failures >= 4, 'publish retries')
    assert.equal(h.seen.length, 0)
    const cp = JSON.parse((await h.store.getMeta(`audit-tail:${h.path}`)) ?? '{}')
    assert.equal(cp.offset, 0, 'the checkpoint does not advance past unpublished lines')
    await appendFile(h.path, text(30, 40))

    h.bus.down = false
    await h.until(40)
    h.bus.down = true
    await appendFile(h.path, text(40, 60))
    await until(() => h.bus.failures >= 8, 'more retries')
    h.bus.down = false
    await h.until(60)
    assert.deepEqual(h.seen, idsOf(0, 60), 'every line once, in order')
    assert.ok(tail.stats.retries >= 8)
    assert.equal(tail.stats.signals, 60)
    const end = JSON.parse((await h.store.getMeta(`audit-tail:${h.path}`)) ?? '{}')
    assert.equal(end.offset, (await stat(h.path)).size)
  })

  it('stops promptly while the bus is down and resumes the unpublished lines later', async (t) => {
    const h = await tailHarness(t, (b) => new FlakyBus(b))
    await writeFile(h.path, text(0, 14))
    const first = h.tail()
    await first.start()
    await h.until(14)
    h.bus.down = true
    await appendFile(h.path, text(14, 30))
    await until(() => h.bus.failures >= 2, 'a failed publish')
    await first.stop()
    h.bus.down = false
    const second = h.tail()
    await second.start()
    await h.until(30)
    assert.deepEqual(h.seen, idsOf(0, 30))
  })
})
