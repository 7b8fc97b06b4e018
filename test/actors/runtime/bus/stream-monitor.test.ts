import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Registry } from 'prom-client'
import type { StreamStats, StreamUsage } from '../../../../actors/runtime/bus/bus.ts'
import { createStreamMonitor, fillRatio } from '../../../../actors/runtime/bus/stream-monitor.ts'
import { createActorMetrics } from '../../../../actors/telemetry/metrics.ts'

/** A fake bus whose stream usage the test sets (the monitor's logic alone). */
function fakeStats(usage: Map<string, StreamUsage | Error>) {
  const purged: string[] = []
  const stats: StreamStats = {
    async streamUsage(name) {
      const u = usage.get(name)
      if (u instanceof Error) throw u
      return u ?? null
    },
    async purgeAcked(stream, durable, subject) {
      purged.push(`${stream}/${durable}/${subject}`)
      return 0
    },
  }
  return { stats, purged }
}

function logs() {
  const lines: { level: string; obj: Record<string, unknown>; msg: string }[] = []
  return {
    lines,
    log: {
      warn: (obj: object, msg: string) => lines.push({ level: 'warn', obj: obj as never, msg }),
      info: (obj: object, msg: string) => lines.push({ level: 'info', obj: obj as never, msg }),
    },
  }
}

const use = (bytes: number, maxBytes = 1000, messages = 1, maxMessages = -1): StreamUsage => ({
  bytes,
  messages,
  maxBytes,
  maxMessages,
})

describe('stream monitor (fake stream stats)', () => {
  it('sets lunettes_stream_bytes and lunettes_stream_fill_ratio per stream', async () => {
    const registry = new Registry()
    const metrics = createActorMetrics(registry)
    const usage = new Map<string, StreamUsage | Error>([
      ['S', use(250)],
      ['A', use(10, -1, 9, 10)],
    ])
    const { stats, purged } = fakeStats(usage)
    const { log } = logs()
    const monitor = createStreamMonitor({
      stats,
      streams: ['S', 'A', 'MISSING'],
      bytes: metrics.streamBytes,
      fill: metrics.streamFill,
      log,
      purge: { stream: 'S', consumers: [{ durable: 'd0', subject: 's.0' }] },
    })
    await monitor.sample()
    const text = await registry.metrics()
    assert.match(text, /lunettes_stream_bytes\{stream="S"\} 250/)
    assert.match(text, /lunettes_stream_fill_ratio\{stream="S"\} 0.25/)
    assert.match(text, /lunettes_stream_fill_ratio\{stream="A"\} 0.9/)
    assert.doesNotMatch(text, /stream="MISSING"/)
    assert.deepEqual(purged, ['S/d0/s.0'])
  })

  it('warns from 80 %, repeats only after repeatMs, says when it drained; an unreadable stream is logged once', async () => {
    let now = 0
    const usage = new Map<string, StreamUsage | Error>([['S', use(790)]])
    const { stats } = fakeStats(usage)
    const { log, lines } = logs()
    const gauge = { set() {} }
    const monitor = createStreamMonitor({
      stats,
      streams: ['S'],
      bytes: gauge,
      fill: gauge,
      log,
      repeatMs: 60_000,
      now: () => now,
    })
    await monitor.sample()
    assert.equal(lines.length, 0, 'below 80 %: silent')
    usage.set('S', use(800))
    await monitor.sample()
    now += 30_000
    usage.set('S', use(1000))
    await monitor.sample()
    assert.equal(lines.length, 1)
    assert.equal(lines[0]?.level, 'warn')
    assert.equal(lines[0]?.obj.stream, 'S')
    assert.equal(lines[0]?.obj.fillRatio, 0.8)
    now += 30_000
    await monitor.sample()
    assert.equal(lines.length, 2)
    assert.match(lines[1]?.msg ?? '', /full/)
    usage.set('S', use(100))
    await monitor.sample()
    assert.equal(lines[2]?.level, 'info')
    usage.set('S', new Error('nats away'))
    await monitor.sample()
    await monitor.sample()
    assert.equal(lines.length, 4, 'the failure is logged once')
  })

  it('fill ratio is the larger of bytes and messages, 0 without caps', () => {
    assert.equal(fillRatio(use(500, 1000, 9, 10)), 0.9)
    assert.equal(fillRatio(use(500, -1, 9, -1)), 0)
  })
})
