import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { BusMessage } from '../../actors/runtime/bus/bus.ts'
import { decodeDelivery } from '../../actors/runtime/host/decode-delivery.ts'
import { signalEnvelopeJson } from '../../protocol/envelope.ts'
import { batchMessages, MAX_BATCH_SIGNALS } from '../../protocol/envelope-batch.ts'
import type { PodSignal } from '../../protocol/pod-signal.ts'
import { partitionOf, signalSubject } from '../../protocol/subjects.ts'
import { createSignal } from '../actors/runtime/host/poison-harness.ts'

const dec = new TextDecoder()
const enc = new TextEncoder()
const P = 8
const body = (m: { data: Uint8Array }) => JSON.parse(dec.decode(m.data)) as Record<string, unknown>

function pods(n: number, prefix = 'web'): PodSignal[] {
  return Array.from({ length: n }, (_, i) => createSignal(`uid-${prefix}-${i}`, `${prefix}-${i}`))
}

function delivery(data: Uint8Array): BusMessage {
  return { subject: 's', data, seq: 1, deliveries: 1, ack() {}, nak() {} } as unknown as BusMessage
}

const quiet = { info() {}, warn() {}, error() {} }

describe('batch messages (one per partition of a webhook batch)', () => {
  it('groups by partition in order; a lone signal keeps its single envelope and id', () => {
    const signals = pods(40)
    const out = batchMessages(signals, P)
    const seen: string[] = []
    for (const m of out) {
      const b = body(m)
      if (b.kind === 'signal') {
        const s = b.signal as PodSignal
        assert.equal(m.msgId, s.id)
        assert.equal(dec.decode(m.data), signalEnvelopeJson(s))
        seen.push(s.id)
        continue
      }
      assert.equal(b.kind, 'batch')
      assert.match(m.msgId, /^batch:[0-9a-f]{32}:\d+$/)
      for (const e of b.messages as { kind: string; signal: PodSignal }[]) {
        assert.equal(e.kind, 'signal')
        const p = partitionOf(e.signal.pod.namespace, e.signal.pod.name, P)
        assert.equal(m.subject, signalSubject(p))
        seen.push(e.signal.id)
      }
    }
    assert.ok(out.length <= P && out.some((m) => body(m).kind === 'batch'))
    // Every signal once; within a partition, in the input order.
    assert.deepEqual([...seen].sort(), signals.map((s) => s.id).sort())
    for (let p = 0; p < P; p++) {
      const mine = signals.filter((s) => partitionOf(s.pod.namespace, s.pod.name, P) === p)
      const order = seen.filter((id) => mine.some((s) => s.id === id))
      assert.deepEqual(
        order,
        mine.map((s) => s.id),
      )
    }
  })

  it('the same signals give the same ids (a re-sent webhook batch is stored once), others not', () => {
    const signals = pods(30)
    const ids = (s: PodSignal[]) => batchMessages(s, 1).map((m) => m.msgId)
    assert.deepEqual(ids(signals), ids(signals.map((s) => ({ ...s }))))
    assert.notDeepEqual(ids(signals), ids([...signals].reverse()))
    assert.notDeepEqual(ids(signals), ids(signals.slice(1)))
  })

  it('splits by bytes and count; a signal bigger than the budget goes alone', () => {
    const signals = pods(MAX_BATCH_SIGNALS + 20)
    const counts = batchMessages(signals, 1).map((m) => {
      const b = body(m)
      return b.kind === 'batch' ? (b.messages as unknown[]).length : 1
    })
    assert.deepEqual(counts, [MAX_BATCH_SIGNALS, 20])
    const small = batchMessages(signals.slice(0, 10), 1, { maxBytes: 4000 })
    assert.ok(small.length > 1 && small.every((m) => m.data.byteLength <= 4000))
    const huge = batchMessages(signals.slice(0, 3), 1, { maxBytes: 10 })
    assert.deepEqual(
      huge.map((m) => body(m).kind),
      ['signal', 'signal', 'signal'],
    )
  })

  it('the host reads each element on its own: a bad one is dropped alone and counted', () => {
    const [a, b] = pods(2)
    const batch = { v: 1, kind: 'batch', messages: [{ v: 1, kind: 'signal', signal: a }] }
    batch.messages.push({ v: 1, kind: 'signal', signal: { ...b, time: 'soon' } } as never)
    batch.messages.push({ v: 1, kind: 'signal', signal: b })
    const warnings: object[] = []
    const log = { ...quiet, warn: (o: object) => warnings.push(o) }
    const got = decodeDelivery(delivery(enc.encode(JSON.stringify(batch))), log, undefined)
    assert.deepEqual(
      got?.messages.map((m) => (m.kind === 'signal' ? m.signal.id : m.kind)),
      [a?.id, b?.id],
    )
    assert.deepEqual(got?.parts, [0, 2])
    assert.equal(warnings.length, 1)
    assert.equal(
      decodeDelivery(delivery(enc.encode('{"v":1,"kind":"batch"}')), quiet, undefined),
      null,
    )
    assert.equal(decodeDelivery(delivery(enc.encode('{')), quiet, undefined), null)
    const single = decodeDelivery(
      delivery(enc.encode(signalEnvelopeJson(a as PodSignal))),
      quiet,
      undefined,
    )
    assert.equal(single?.parts, undefined)
  })
})
