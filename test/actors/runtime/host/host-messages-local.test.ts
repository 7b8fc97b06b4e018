import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Registry } from 'prom-client'
import type { BusMessage, OutMessage } from '../../../../actors/runtime/bus/bus.ts'
import { EmbeddedBus } from '../../../../actors/runtime/bus/embedded-bus.ts'
import { localValue, withLocalValue } from '../../../../actors/runtime/bus/embedded-local.ts'
import { decodeDelivery } from '../../../../actors/runtime/host/decode-delivery.ts'
import type { Log } from '../../../../actors/runtime/host/host-messages.ts'

/** The one message a delivery holds, or null (single messages only here). */
const decodeMessage = (m: BusMessage, log: Log, metrics: Parameters<typeof decodeDelivery>[2]) =>
  decodeDelivery(m, log, metrics)?.messages[0] ?? null

import { createActorMetrics } from '../../../../actors/telemetry/metrics.ts'

const enc = new TextEncoder()
const dec = new TextDecoder()
const SUBJECT = 'lunettes.replay.t.0'

const signal = {
  v: 1,
  kind: 'signal',
  clock: 1_700_000_000_000_000,
  signal: {
    v: 1,
    id: 'audit:x:ResponseComplete',
    source: 'audit',
    time: 1_700_000_000_000_000,
    precision: 'us',
    pod: { namespace: 'ns', name: 'web-1', uid: 'u-1' },
    ops: [{ op: 'phase:Pending:set' }],
  },
  seq: 1,
}

/** Publishes `messages` on an embedded bus and fetches them back as one partition's host would. */
async function deliver(messages: OutMessage[]): Promise<BusMessage[]> {
  const bus = new EmbeddedBus({ dropAcked: true })
  await bus.ensureStream({
    name: 'S',
    subjects: ['lunettes.replay.t.*'],
    maxAgeMs: 60_000,
    maxBytes: -1,
    duplicateWindowMs: 60_000,
    discard: 'new',
  })
  const consumer = await bus.consumer({
    stream: 'S',
    durable: 'd0',
    filterSubject: SUBJECT,
    ackWaitMs: 30_000,
  })
  await bus.publish(messages)
  const got = await consumer.fetch(10, 1000)
  await bus.close()
  return got
}

function recordingLog(): { log: Log; warned: string[] } {
  const warned: string[] = []
  const log: Log = { info() {}, warn: (_o, m) => warned.push(m), error() {} }
  return { log, warned }
}

async function invalidCount(registry: Registry): Promise<number> {
  const m = (await registry.getMetricsAsJSON()).find((x) => x.name === 'lunettes_signals_total')
  const values = (m?.values ?? []) as { labels: Record<string, string>; value: number }[]
  return values.find((v) => v.labels.outcome === 'invalid')?.value ?? 0
}

describe('partition messages with the publisher object (embedded bus, in process)', () => {
  it('decodes the carried object to what the bytes decode to, as a copy of its own', async () => {
    const data = enc.encode(JSON.stringify(signal))
    const [local] = await deliver([withLocalValue({ subject: SUBJECT, data }, signal)])
    const [wire] = await deliver([{ subject: SUBJECT, data }])
    assert.ok(local && wire)
    assert.equal(localValue(local), signal)
    assert.equal(localValue(wire), undefined)
    const { log } = recordingLog()
    const fromObject = decodeMessage(local, log, undefined)
    const fromBytes = decodeMessage(wire, log, undefined)
    assert.deepEqual(fromObject, fromBytes)
    assert.deepEqual(fromObject, JSON.parse(dec.decode(data)))
    assert.notEqual(fromObject, signal)
    assert.notEqual((fromObject as typeof signal).signal, signal.signal)
  })

  it('an object the schema rejects leaves the verdict to the bytes: valid bytes decode', async () => {
    const data = enc.encode(JSON.stringify(signal))
    const bad = { ...signal, signal: { ...signal.signal, time: 'yesterday' } }
    const [msg] = await deliver([withLocalValue({ subject: SUBJECT, data }, bad)])
    assert.ok(msg)
    const { log, warned } = recordingLog()
    assert.deepEqual(decodeMessage(msg, log, undefined), signal)
    assert.deepEqual(warned, [])
  })

  it('an invalid message is still dropped, logged and counted invalid with an object', async () => {
    const bad = { ...signal, signal: { ...signal.signal, time: -5 } }
    const data = enc.encode(JSON.stringify(bad))
    const [msg] = await deliver([withLocalValue({ subject: SUBJECT, data }, bad)])
    assert.ok(msg)
    const registry = new Registry()
    const metrics = createActorMetrics(registry)
    const { log, warned } = recordingLog()
    assert.equal(decodeMessage(msg, log, metrics), null)
    assert.deepEqual(warned, ['invalid partition message dropped'])
    assert.equal(await invalidCount(registry), 1)
  })

  it('bytes that are not JSON with no object: dropped and counted as before', async () => {
    const [msg] = await deliver([{ subject: SUBJECT, data: enc.encode('{"v":1,') }])
    assert.ok(msg)
    const registry = new Registry()
    const { log, warned } = recordingLog()
    assert.equal(decodeMessage(msg, log, createActorMetrics(registry)), null)
    assert.deepEqual(warned, ['undecodable partition message dropped'])
    assert.equal(await invalidCount(registry), 1)
  })
})
