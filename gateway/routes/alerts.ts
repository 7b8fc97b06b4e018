import { Hono } from 'hono'
import * as v from 'valibot'
import { alertSubject, SloAlert } from '../../protocol/alert.ts'
import { ALERTS_STREAM, allAlertsSubject } from '../../protocol/subjects.ts'
import { httpError } from '../errors.ts'
import type { RefusalCounter } from '../limits.ts'
import type {
  GatewayBus,
  GatewayEnv,
  GatewayLog,
  StreamTail,
  TailMessage,
  TailStart,
} from '../ports.ts'
import { AlertsQuery, parseQuery } from '../query-params.ts'

/** What the alert stream route needs. */
export interface AlertStreamOptions {
  readonly bus: GatewayBus
  /** Streams open at once at most (default 64); past it 503 + Retry-After. */
  readonly maxStreams?: number | undefined
  /** Comment line interval that keeps proxies from closing an idle stream, ms (default 15 s). */
  readonly heartbeatMs?: number | undefined
  /** Bytes queued for one slow client before its stream is closed (it resumes by id). */
  readonly maxQueuedBytes?: number | undefined
  /** The durable alert stream and its subjects (default `LUNETTES_ALERTS`, live subjects). */
  readonly stream?: string | undefined
  readonly subjectOf?: ((namespace: string | null) => string) | undefined
  readonly refused?: RefusalCounter | undefined
  readonly log?: GatewayLog | undefined
}

export const DEFAULT_MAX_ALERT_STREAMS = 64
export const ALERT_HEARTBEAT_MS = 15_000
const MAX_QUEUED_BYTES = 1024 * 1024
const LAST_EVENT_ID = /^\d{1,15}$/

const enc = new TextEncoder()
const dec = new TextDecoder()

/** The SSE frame of one alert: `event: alert`, `id:` the stream sequence, `data:` the JSON. */
export function alertFrame(seq: number, alert: SloAlert): string {
  return `event: alert\nid: ${seq}\ndata: ${JSON.stringify(alert)}\n\n`
}

function startOf(header: string | undefined): TailStart {
  if (header === undefined || header === '') return 'new'
  if (!LAST_EVENT_ID.test(header)) {
    throw httpError(
      400,
      'BadRequest',
      'Last-Event-ID: expected the id of an alert event (a number)',
    )
  }
  return { afterSeq: Number(header) }
}

/**
 * `GET /alerts/stream?namespace=`: server-sent events from the durable alert stream, read by an
 * ordered ephemeral consumer per client. A new client gets the alerts stored from now on; one
 * that sends `Last-Event-ID` (the `id:` of the last event it saw, the stream sequence) gets
 * every alert stored after it first, so a reconnect misses nothing and repeats nothing. Only
 * alerts of the caller's namespaces (and of `namespace`, when given) are sent. A comment line
 * goes out every 15 s; at most `maxStreams` streams are open at once.
 */
export function alertRoutes(opts: AlertStreamOptions): Hono<GatewayEnv> {
  const app = new Hono<GatewayEnv>()
  const max = opts.maxStreams ?? DEFAULT_MAX_ALERT_STREAMS
  const heartbeatMs = opts.heartbeatMs ?? ALERT_HEARTBEAT_MS
  const maxQueued = opts.maxQueuedBytes ?? MAX_QUEUED_BYTES
  const stream = opts.stream ?? ALERTS_STREAM
  const subjectOf =
    opts.subjectOf ?? ((ns: string | null) => (ns ? alertSubject(ns) : allAlertsSubject))
  let open = 0
  app.get('/alerts/stream', async (c) => {
    const q = parseQuery(AlertsQuery, c.req.query())
    const start = startOf(c.req.header('last-event-id'))
    const scope = c.get('namespaces') ?? null
    const tail = opts.bus.tail?.bind(opts.bus)
    if (!tail) throw httpError(503, 'Unavailable', 'this bus cannot stream alerts')
    if (open >= max) {
      opts.refused?.('alerts', 'inflight')
      throw httpError(503, 'Unavailable', `${max} alert streams are open; retry later`, {
        'retry-after': '5',
      })
    }
    open++
    let reader: StreamTail | undefined
    let timer: ReturnType<typeof setInterval> | undefined
    let done = false
    let control: ReadableStreamDefaultController<Uint8Array> | undefined
    const finish = () => {
      if (done) return
      done = true
      open--
      clearInterval(timer)
      reader?.close().catch((err: unknown) => opts.log?.warn({ err }, 'alert stream close failed'))
    }
    const send = (text: string) => {
      if (done || !control) return
      control.enqueue(enc.encode(text))
      // A client that stopped reading is let go: it reconnects with its Last-Event-ID.
      if ((control.desiredSize ?? 0) < 0) {
        finish()
        control.close()
      }
    }
    const onMessage = (m: TailMessage) => {
      let alert: SloAlert
      try {
        const r = v.safeParse(SloAlert, JSON.parse(dec.decode(m.data)))
        if (!r.success) return
        alert = r.output
      } catch {
        return
      }
      if (scope && !scope.includes(alert.namespace)) return
      if (q.namespace && alert.namespace !== q.namespace) return
      send(alertFrame(m.seq, alert))
    }
    const body = new ReadableStream<Uint8Array>(
      {
        start(controller) {
          control = controller
          controller.enqueue(enc.encode(`: lunettes alert stream\nretry: 2000\n\n`))
        },
        cancel: finish,
      },
      { highWaterMark: maxQueued, size: (chunk) => chunk.byteLength },
    )
    try {
      reader = await tail(stream, subjectOf(q.namespace ?? null), start, onMessage)
    } catch (err: unknown) {
      finish()
      opts.log?.warn({ err: err instanceof Error ? err.message : String(err) }, 'alert stream')
      throw httpError(503, 'Unavailable', 'the alert stream cannot be read now; retry later', {
        'retry-after': '5',
      })
    }
    if (done) await reader.close()
    timer = setInterval(() => send(': heartbeat\n\n'), heartbeatMs)
    c.req.raw.signal.addEventListener('abort', () => {
      if (!done) {
        finish()
        control?.close()
      }
    })
    return new Response(body, {
      headers: {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        'x-accel-buffering': 'no',
      },
    })
  })
  return app
}
