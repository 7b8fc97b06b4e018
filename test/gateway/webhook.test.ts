import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createApp } from '../../gateway/app.ts'
import { normalizeAuditEvent } from '../../protocol/normalize-audit.ts'
import { partitionOf, signalSubject } from '../../protocol/subjects.ts'
import { podLifecycle } from '../support/audit-fixtures.ts'
import { MIXED_PODS } from '../support/audit-fixtures-catalog.ts'
import { FakeBus, memoryLog } from './fake-bus.ts'
import {
  errorOf,
  eventList,
  happy,
  metric,
  P,
  post,
  setup,
  TOKEN,
  type WebhookReply,
} from './webhook-helpers.ts'

describe('POST /audit/webhook: authentication', () => {
  it('401 with WWW-Authenticate without a token, 403 with a wrong one, 200 with the right one', async () => {
    const { app, bus, log } = setup()
    const body = eventList(happy())
    const none = await app.request('/audit/webhook', { method: 'POST', body })
    assert.equal(none.status, 401)
    assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer/)
    assert.equal((await errorOf(none)).code, 'Unauthorized')
    const basic = await app.request('/audit/webhook', post(body, { authorization: 'Basic Zm9v' }))
    assert.equal(basic.status, 401)
    const wrong = await app.request('/audit/webhook', post(body, { authorization: 'Bearer nope' }))
    assert.equal(wrong.status, 403)
    assert.equal((await errorOf(wrong)).code, 'Forbidden')
    const prefix = await app.request(
      '/audit/webhook',
      post(body, { authorization: `Bearer ${TOKEN.slice(0, -1)}` }),
    )
    assert.equal(prefix.status, 403)
    assert.equal(bus.publishes.length, 0, 'nothing published for unauthenticated requests')
    const right = await app.request('/audit/webhook', post(body))
    assert.equal(right.status, 200)
    assert.equal(bus.publishes.length, 1)
    assert.ok(!JSON.stringify(log.lines).includes(TOKEN), 'the token is never logged')
  })

  it('with a client CA, only requests over a verified client certificate pass', async () => {
    const { app } = setup({ requireClientCert: true, clientNames: ['kube-apiserver'] })
    const body = eventList(happy())
    const plain = await app.request('/audit/webhook', post(body))
    assert.equal(plain.status, 403)
    const unverified = await app.request('/audit/webhook', post(body), {
      clientCertAuthorized: false,
    })
    assert.equal(unverified.status, 403)
    const ok = await app.request('/audit/webhook', post(body), {
      clientCertAuthorized: true,
      clientCertNames: ['kube-apiserver'],
    })
    assert.equal(ok.status, 200)
  })

  it('token and client certificate together: both are required', async () => {
    const { app } = setup({
      token: TOKEN,
      requireClientCert: true,
      clientNames: ['kube-apiserver'],
    })
    const body = eventList(happy())
    const env = { clientCertAuthorized: true, clientCertNames: ['kube-apiserver'] }
    const noToken = await app.request('/audit/webhook', { method: 'POST', body }, env)
    assert.equal(noToken.status, 401)
    assert.equal((await app.request('/audit/webhook', post(body), env)).status, 200)
    assert.equal((await app.request('/audit/webhook', post(body))).status, 403)
  })
})

describe('POST /audit/webhook: body', () => {
  for (const [what, body] of [
    ['not JSON', '{"kind":"EventList",'],
    ['not UTF-8', new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])],
    ['a single Event', JSON.stringify(happy()[0])],
    ['a JSON array', JSON.stringify(happy())],
    ['an EventList of another API group', eventList([], 'v1')],
    [
      'an EventList whose items are not an array',
      '{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":{}}',
    ],
  ] as const) {
    it(`400 with a JSON error for ${what}`, async () => {
      const { app, bus } = setup()
      const res = await app.request('/audit/webhook', post(body))
      assert.equal(res.status, 400)
      assert.match(res.headers.get('content-type') ?? '', /application\/json/)
      const error = await errorOf(res)
      assert.equal(error.code, 'BadRequest')
      assert.equal(bus.publishes.length, 0)
    })
  }

  it('accepts audit.k8s.io/v1beta1 and an empty or null item list', async () => {
    const { app, bus } = setup()
    const v1beta1 = await app.request('/audit/webhook', post(eventList([], 'audit.k8s.io/v1beta1')))
    assert.equal(v1beta1.status, 200)
    assert.deepEqual(await v1beta1.json(), {
      accepted: 0,
      signals: 0,
      rejected: 0,
      dropped: 0,
      trimmed: 0,
    })
    const nullItems = '{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":null}'
    assert.equal((await app.request('/audit/webhook', post(nullItems))).status, 200)
    assert.equal(bus.publishes.length, 0, 'no publish call for a batch without signals')
  })
})

describe('POST /audit/webhook: ingest', () => {
  it('one publish per batch; msgIds are the signal ids, subjects the pod partition', async () => {
    const { app, bus } = setup()
    const events = [...happy(), ...podLifecycle(MIXED_PODS.fast)]
    const expected = events.flatMap((e) => {
      const n = normalizeAuditEvent(e)
      return n.ok ? n.signals : []
    })
    const res = await app.request('/audit/webhook', post(eventList(events)))
    assert.equal(res.status, 200)
    const body = (await res.json()) as WebhookReply
    assert.equal(bus.publishes.length, 1, 'one publish call for the whole batch')
    assert.equal(body.signals, expected.length)
    assert.equal(body.accepted + body.dropped + body.rejected, events.length)
    assert.equal(body.rejected, 0)
    assert.deepEqual(
      bus.messages.map((m) => m.msgId),
      expected.map((s) => s.id),
    )
    for (const [i, m] of bus.messages.entries()) {
      const s = expected[i]
      assert.ok(s)
      assert.equal(m.subject, signalSubject(partitionOf(s.pod.namespace, s.pod.name, P)))
      const env = JSON.parse(new TextDecoder().decode(m.data))
      assert.deepEqual(env, { v: 1, kind: 'signal', signal: JSON.parse(JSON.stringify(s)) })
    }
  })

  it('a partially malformed list is accepted; bad items counted by reason and logged once', async () => {
    const { app, bus, registry, log } = setup()
    const events = happy()
    const secret = 'do-not-log-this-body-value'
    const first = events[0]
    assert.ok(first)
    const irrelevant = { ...first, auditID: crypto.randomUUID(), stage: 'RequestReceived' }
    const items = [
      42,
      ...events.slice(0, 3),
      { ...first, auditID: undefined, stage: secret },
      irrelevant,
      { ...first, stage: 42, requestURI: secret },
      'not-an-event',
      ...events.slice(3),
    ]
    const res = await app.request('/audit/webhook', post(eventList(items)))
    assert.equal(res.status, 200)
    const body = (await res.json()) as WebhookReply
    assert.equal(body.rejected, 4)
    assert.ok(body.dropped >= 1)
    assert.equal(body.accepted + body.dropped + body.rejected, items.length)
    assert.equal(bus.publishes.length, 1)
    assert.deepEqual(await metric(registry, 'lunettes_webhook_rejected_total'), {
      'not-object': 2,
      schema: 2,
    })
    const events_ = await metric(registry, 'lunettes_webhook_events_total')
    assert.equal(events_.rejected, 4)
    assert.equal(events_.accepted, body.accepted)
    const warned = log.lines.filter((l) => l.msg.includes('malformed'))
    assert.equal(warned.length, 1, 'one log line per batch')
    assert.deepEqual(
      { ...warned[0]?.obj, firstProblem: undefined },
      {
        items: items.length,
        rejected: 4,
        firstIndex: 0,
        firstReason: 'not-object',
        firstProblem: undefined,
      },
    )
    assert.ok(!JSON.stringify(log.lines).includes(secret), 'no body content in the logs')
  })

  it('drops namespaces ignored for audit', async () => {
    const bus = new FakeBus()
    const app = createApp({
      bus,
      partitions: P,
      ignoredNamespaces: new Set([MIXED_PODS.happy.namespace]),
      webhook: {},
      log: memoryLog(),
    })
    const events = happy()
    const res = await app.request('/audit/webhook', post(eventList(events)))
    assert.deepEqual(await res.json(), {
      accepted: 0,
      signals: 0,
      rejected: 0,
      dropped: events.length,
      trimmed: 0,
    })
    assert.equal(bus.publishes.length, 0)
  })

  it('bus down: 503 with Retry-After and nothing counted; the retry after it returns succeeds', async () => {
    const { app, bus, registry, log } = setup()
    const body = eventList([...happy(), 7])
    bus.down = true
    const down = await app.request('/audit/webhook', post(body))
    assert.equal(down.status, 503)
    assert.equal(down.headers.get('retry-after'), '5')
    assert.equal((await errorOf(down)).code, 'Unavailable')
    assert.deepEqual(await metric(registry, 'lunettes_webhook_rejected_total'), {})
    assert.equal(log.lines.filter((l) => l.msg.includes('malformed')).length, 0)
    bus.down = false
    const up = await app.request('/audit/webhook', post(body))
    assert.equal(up.status, 200)
    assert.equal(bus.publishes.length, 1)
    assert.deepEqual(await metric(registry, 'lunettes_webhook_rejected_total'), { 'not-object': 1 })
    assert.deepEqual(await metric(registry, 'lunettes_webhook_requests_total'), {
      '503': 1,
      '200': 1,
    })
  })

  it('an unexpected publish failure is a logged 500 JSON error', async () => {
    const { app, bus, log } = setup()
    bus.publish = async () => {
      throw new TypeError('boom')
    }
    const res = await app.request('/audit/webhook', post(eventList(happy())))
    assert.equal(res.status, 500)
    assert.equal((await errorOf(res)).code, 'Internal')
    assert.equal(log.lines.filter((l) => l.level === 'error').length, 1)
  })
})
