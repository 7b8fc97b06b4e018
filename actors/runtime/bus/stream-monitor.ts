import type { StreamStats, StreamUsage } from './bus.ts'

/** A gauge by stream name (prom-client's `Gauge<'stream'>` fits). */
export interface StreamGauge {
  set(labels: { stream: string }, value: number): void
}

/** What the monitor logs (pino fits). */
export interface StreamMonitorLog {
  warn(obj: object, msg: string): void
  info(obj: object, msg: string): void
}

export interface StreamMonitorOptions {
  readonly stats: StreamStats
  /** Streams to watch, by name. */
  readonly streams: readonly string[]
  /** `lunettes_stream_bytes{stream}` */
  readonly bytes: StreamGauge
  /** `lunettes_stream_fill_ratio{stream}`: the larger of bytes/max bytes and messages/max messages. */
  readonly fill: StreamGauge
  readonly log: StreamMonitorLog
  /**
   * Work streams whose acknowledged messages are purged each round before sampling (the signal
   * stream: its partition consumers), so its fill is the backlog, not a week of history.
   */
  readonly purge?: {
    readonly stream: string
    readonly consumers: readonly { readonly durable: string; readonly subject: string }[]
  }
  /** Fill ratio from which a warning is logged (default 0.8). */
  readonly warnAt?: number
  /** While above `warnAt`, the warning is repeated at most this often (default 10 min). */
  readonly repeatMs?: number
  /** Injected clock (default `Date.now`). */
  readonly now?: () => number
}

/** The fill ratio of a stream: 0 when it has no cap. */
export function fillRatio(u: StreamUsage): number {
  const bytes = u.maxBytes > 0 ? u.bytes / u.maxBytes : 0
  const messages = u.maxMessages > 0 ? u.messages / u.maxMessages : 0
  return Math.max(bytes, messages)
}

/**
 * Samples how full each stream is: sets the gauges, logs a warning when a stream reaches
 * `warnAt` of its cap (repeated every `repeatMs` while it stays there, with the numbers) and an
 * info line when it drains below again. A stream that cannot be read is skipped this round (the
 * failure logged once per stream until it reads again): telemetry never stops the host.
 */
export function createStreamMonitor(o: StreamMonitorOptions) {
  const warnAt = o.warnAt ?? 0.8
  const repeatMs = o.repeatMs ?? 600_000
  const now = o.now ?? Date.now
  /** Last warning time of a stream above `warnAt`. */
  const warned = new Map<string, number>()
  const failing = new Set<string>()

  async function sampleOne(stream: string): Promise<void> {
    let usage: StreamUsage | null
    try {
      usage = await o.stats.streamUsage(stream)
    } catch (err: unknown) {
      if (!failing.has(stream)) o.log.warn({ err, stream }, 'stream usage unreadable')
      failing.add(stream)
      return
    }
    failing.delete(stream)
    if (!usage) return
    const ratio = fillRatio(usage)
    o.bytes.set({ stream }, usage.bytes)
    o.fill.set({ stream }, ratio)
    const fields = { stream, ...usage, fillRatio: Number(ratio.toFixed(4)) }
    const last = warned.get(stream)
    if (ratio >= warnAt) {
      if (last === undefined || now() - last >= repeatMs) {
        warned.set(stream, now())
        o.log.warn(
          fields,
          ratio >= 1
            ? 'stream full: publishes are refused until consumers catch up'
            : 'stream filling up: publishes will be refused when it is full',
        )
      }
    } else if (last !== undefined) {
      warned.delete(stream)
      o.log.info(fields, 'stream back below its warning level')
    }
  }

  let purgeFailing = false
  async function purgeAcked(): Promise<void> {
    const p = o.purge
    if (!p) return
    try {
      if (o.stats.purgeAckedByAll) {
        await o.stats.purgeAckedByAll(
          p.stream,
          p.consumers.map((c) => c.durable),
        )
      } else {
        for (const c of p.consumers) await o.stats.purgeAcked(p.stream, c.durable, c.subject)
      }
      purgeFailing = false
    } catch (err: unknown) {
      if (!purgeFailing)
        o.log.warn({ err, stream: p.stream }, 'purging acknowledged signals failed')
      purgeFailing = true
    }
  }

  return {
    /** One round: purge what was acknowledged, then sample every stream. */
    async sample(): Promise<void> {
      await purgeAcked()
      await Promise.all(o.streams.map(sampleOne))
    },
  }
}

/** Runs `sample` every `intervalMs` (and once now) until stopped; a busy round skips a tick. */
export function everyInterval(sample: () => Promise<void>, intervalMs: number) {
  let busy = false
  let running: Promise<void> = Promise.resolve()
  const tick = () => {
    if (busy) return
    busy = true
    running = sample().finally(() => {
      busy = false
    })
  }
  tick()
  const timer = setInterval(tick, intervalMs)
  timer.unref()
  return {
    async stop(): Promise<void> {
      clearInterval(timer)
      await running
    },
  }
}
