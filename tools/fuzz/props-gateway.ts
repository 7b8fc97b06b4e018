import fc from 'fast-check'
import { HTTPException } from 'hono/http-exception'
import { Registry } from 'prom-client'
import * as v from 'valibot'
import { createApp } from '../../gateway/app.ts'
import type { GatewayBus, GatewayLog, GatewayMessage } from '../../gateway/ports.ts'
import { debugPodParams, debugSloParams } from '../../gateway/query-params.ts'
import { SignalEnvelope } from '../../protocol/envelope.ts'
import { SignalBatchEnvelope } from '../../protocol/envelope-batch.ts'
import { hostileJson, hostileRecord, hostileString, mutated } from './arbitraries.ts'
import { expect } from './outcomes.ts'
import type { FuzzProperty } from './property.ts'
import { AUDIT_EVENTS } from './seeds.ts'

const TOKEN = 'fuzz-webhook-token'
const decoder = new TextDecoder()

/** A bus that stores every publish (the webhook's only bus call) and answers no request. */
class RecordingBus implements GatewayBus {
  published: GatewayMessage[] = []
  async publish(messages: readonly GatewayMessage[]): Promise<void> {
    this.published.push(...messages)
  }
  async request(): Promise<Uint8Array> {
    throw Object.assign(new Error('no responders'), { name: 'NoRespondersError' })
  }
}

/** A log that keeps error lines: `gateway request failed` is an exception that escaped. */
function errorLog(): GatewayLog & { errors: string[] } {
  const errors: string[] = []
  return {
    errors,
    info: () => {},
    warn: () => {},
    error: (obj, msg) => errors.push(`${msg} ${JSON.stringify(obj)}`),
  }
}

function webhookApp() {
  const bus = new RecordingBus()
  const log = errorLog()
  const app = createApp({
    bus,
    partitions: 32,
    ignoredNamespaces: new Set(['kube-system']),
    webhook: { token: TOKEN },
    registry: new Registry(),
    log,
  })
  return { app, bus, log }
}

const eventList = (items: unknown) => ({
  kind: 'EventList',
  apiVersion: 'audit.k8s.io/v1',
  metadata: {},
  items,
})

/** Webhook bodies: lists of hostile audit records, mutated lists, any JSON, any text. */
const body: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .array(hostileRecord(AUDIT_EVENTS), { maxLength: 8 })
      .map((items) => JSON.stringify(eventList(items))),
  },
  {
    weight: 2,
    arbitrary: mutated(eventList(AUDIT_EVENTS.slice(0, 3))).map((x) => JSON.stringify(x)),
  },
  { weight: 1, arbitrary: hostileJson.map((x) => JSON.stringify(x) ?? 'null') },
  { weight: 1, arbitrary: hostileString },
)

interface Reply {
  accepted: number
  signals: number
  rejected: number
  dropped: number
}

/** The webhook and the query parameter parsers: bad input is a 4xx or a count, never a 500. */
export const GATEWAY_PROPERTIES: readonly FuzzProperty[] = [
  {
    name: 'webhook: any body through app.request() is answered 2xx/4xx, never 500',
    weight: 0.25,
    property: () => {
      const { app, bus, log } = webhookApp()
      return fc.asyncProperty(body, async (text) => {
        bus.published = []
        const res = await app.request('/audit/webhook', {
          method: 'POST',
          body: text,
          headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        })
        expect(log.errors.length === 0, `escaped: ${log.errors.join('; ')}`)
        const answer = await res.text()
        expect(res.status < 500, `status ${res.status}: ${answer}`)
        if (res.status !== 200) return
        const reply = JSON.parse(answer) as Reply
        // Source watermarks (protocol/watermark.ts) ride on the same subjects beside the signals;
        // a partition's signals go as one `batch` message of single envelopes, or one `signal`.
        const signals = bus.published.flatMap((m): unknown[] => {
          const body = JSON.parse(decoder.decode(m.data)) as { kind?: unknown; messages?: unknown }
          const { kind } = body
          expect(
            kind === 'signal' || kind === 'batch' || kind === 'watermark',
            `published a ${String(kind)} message`,
          )
          if (kind === 'batch') {
            expect(v.is(SignalBatchEnvelope, body), 'published batch is not a SignalBatchEnvelope')
            return body.messages as unknown[]
          }
          return kind === 'signal' ? [body] : []
        })
        expect(reply.signals === signals.length, 'reply.signals ≠ signals published')
        const items = (JSON.parse(text) as { items?: unknown[] | null }).items ?? []
        const counted = reply.accepted + reply.rejected + reply.dropped
        expect(counted === items.length, `${counted} of ${items.length} items counted`)
        for (const envelope of signals) {
          expect(v.is(SignalEnvelope, envelope), `published message is not a SignalEnvelope`)
        }
      })
    },
  },
  {
    name: 'query parameters: debugpod and debugslo parse or answer 400',
    weight: 1,
    property: () => {
      const key = fc.constantFrom(
        'uid',
        'namespace',
        'name',
        'type',
        'result',
        'code',
        'from',
        'to',
        'limit',
        'cursor',
        'owner',
        'x',
      )
      const query = fc.dictionary(key, hostileString, { maxKeys: 6 })
      const now = fc.oneof(
        fc.constant(Date.UTC(2024, 4, 14)),
        fc.integer({ min: 0, max: 253402300799999 }),
      )
      return fc.property(query, now, (q, nowMs) => {
        for (const parse of [() => debugPodParams(q), () => debugSloParams(q, nowMs)]) {
          try {
            const out = parse()
            // A window is absent only when a cursor carries it; present, both ends parse.
            if ('from' in out && out.from !== undefined) {
              expect(!Number.isNaN(Date.parse(out.from)), `from ${out.from}`)
            }
            if ('to' in out && out.to !== undefined) {
              expect(!Number.isNaN(Date.parse(out.to)), `to ${out.to}`)
            }
          } catch (err: unknown) {
            if (!(err instanceof HTTPException) || err.status !== 400) throw err
          }
        }
      })
    },
  },
]
