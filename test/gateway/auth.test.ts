import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Registry } from 'prom-client'
import { createApp } from '../../gateway/app.ts'
import { certificateNames } from '../../gateway/auth.ts'
import { FakeBus, memoryLog } from './fake-bus.ts'
import { errorOf, eventList, happy } from './webhook-helpers.ts'

const WEBHOOK = 'wh-token-0123456789abcdef'
const API_A = 'api-token-aaaaaaaaaaaaaaaa'
const API_B = 'api-token-bbbbbbbbbbbbbbbb'
const METRICS = 'metrics-token-0123456789'

function authedApp(webhook: Parameters<typeof createApp>[0]['webhook'] = { token: WEBHOOK }) {
  const bus = new FakeBus()
  bus.onRequest = async () => ({ pods: [] })
  const log = memoryLog()
  const app = createApp({
    bus,
    partitions: 4,
    ignoredNamespaces: new Set(),
    webhook,
    api: { tokens: [API_A, API_B] },
    metricsToken: METRICS,
    registry: new Registry(),
    log,
  })
  return { app, bus, log }
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` })
const json = { 'content-type': 'application/json' }
const postBatch = (headers: Record<string, string>) => ({
  method: 'POST',
  body: eventList(happy()),
  headers: { ...json, ...headers },
})

describe('each surface takes its own credential, and only that one', () => {
  it('webhook: no token 401, API or metrics token 403, its own token 200', async () => {
    const { app, bus } = authedApp()
    const none = await app.request('/audit/webhook', postBatch({}))
    assert.equal(none.status, 401)
    assert.equal(none.headers.get('www-authenticate'), 'Bearer realm="lunettes"')
    for (const other of [API_A, METRICS]) {
      assert.equal((await app.request('/audit/webhook', postBatch(bearer(other)))).status, 403)
    }
    assert.equal(bus.publishes.length, 0)
    assert.equal((await app.request('/audit/webhook', postBatch(bearer(WEBHOOK)))).status, 200)
    assert.equal(bus.publishes.length, 1)
  })

  it('webhook: a body that is not declared application/json is 415, after authentication', async () => {
    const { app, bus } = authedApp()
    for (const type of [undefined, 'text/plain', 'application/x-www-form-urlencoded']) {
      const res = await app.request('/audit/webhook', {
        method: 'POST',
        body: eventList(happy()),
        headers: { ...bearer(WEBHOOK), ...(type ? { 'content-type': type } : {}) },
      })
      assert.equal(res.status, 415, String(type))
      assert.equal((await errorOf(res)).code, 'UnsupportedMediaType')
    }
    const charset = await app.request(
      '/audit/webhook',
      postBatch({ ...bearer(WEBHOOK), 'content-type': 'Application/JSON; charset=utf-8' }),
    )
    assert.equal(charset.status, 200)
    const anon = await app.request('/audit/webhook', { method: 'POST', body: 'x' })
    assert.equal(anon.status, 401, 'the anonymous learn nothing about the body rules')
    assert.equal(bus.publishes.length, 1)
  })

  it('API: no token 401, webhook or metrics token 401, either read token 200', async () => {
    const { app, bus } = authedApp()
    for (const path of ['/api/v1/debugpod?uid=u-1', '/api/v1/debugslo', '/api/v1/pods']) {
      const none = await app.request(path)
      assert.equal(none.status, 401, path)
      assert.equal((await errorOf(none)).code, 'Unauthorized')
      for (const other of [WEBHOOK, METRICS, 'guess']) {
        assert.equal((await app.request(path, { headers: bearer(other) })).status, 401, path)
      }
      assert.equal(bus.requests.length, 0, 'nothing unauthenticated reaches the bus')
      for (const token of [API_A, API_B]) {
        assert.equal((await app.request(path, { headers: bearer(token) })).status, 200, path)
      }
      bus.requests.length = 0
    }
    // A static read token sees everything: no namespace scope travels with the query.
    await app.request('/api/v1/pods?namespace=shop&limit=5', { headers: bearer(API_A) })
    assert.deepEqual(bus.requests[0]?.body, { namespace: 'shop', limit: 5 })
  })

  it('metrics: 401 without or with another surface’s token, 200 with its own; probes stay open', async () => {
    const { app } = authedApp()
    assert.equal((await app.request('/metrics')).status, 401)
    assert.equal((await app.request('/metrics', { headers: bearer(API_A) })).status, 401)
    assert.equal((await app.request('/metrics', { headers: bearer(WEBHOOK) })).status, 401)
    const ok = await app.request('/metrics', { headers: bearer(METRICS) })
    assert.equal(ok.status, 200)
    assert.match(await ok.text(), /lunettes_webhook_requests_total/)
    assert.equal((await app.request('/healthz')).status, 200)
    assert.equal((await app.request('/readyz')).status, 200)
  })

  it('mTLS (via bindings): a verified certificate of another name is refused', async () => {
    const { app, bus } = authedApp({ requireClientCert: true, clientNames: ['kube-apiserver'] })
    const send = (names: string[] | undefined, authorized = true) =>
      app.request('/audit/webhook', postBatch({}), {
        clientCertAuthorized: authorized,
        ...(names ? { clientCertNames: names } : {}),
      })
    assert.equal((await send(undefined, false)).status, 403)
    assert.equal((await send(['kube-apiserver'], false)).status, 403, 'unverified')
    const other = await send(['intruder', 'intruder.example.com'])
    assert.equal(other.status, 403)
    assert.match((await errorOf(other)).message, /not allowed/)
    assert.equal(bus.publishes.length, 0)
    assert.equal((await send(['apiserver-client', 'kube-apiserver'])).status, 200)
  })

  it('certificate names: CN and every SAN value', () => {
    assert.deepEqual(
      certificateNames(
        'kube-apiserver',
        'DNS:apiserver.local, IP Address:10.0.0.1, URI:spiffe://x',
      ),
      ['kube-apiserver', 'apiserver.local', '10.0.0.1', 'spiffe://x'],
    )
    assert.deepEqual(certificateNames(['a', 'b'], undefined), ['a', 'b'])
    assert.deepEqual(certificateNames(undefined, ''), [])
  })
})

describe('HTTP hygiene', () => {
  it('security headers on every response; no-store on the API', async () => {
    const { app } = authedApp()
    const answers = [
      await app.request('/healthz'),
      await app.request('/nope'),
      await app.request('/metrics'),
      await app.request('/api/v1/debugslo'),
      await app.request('/api/v1/debugslo', { headers: bearer(API_A) }),
      await app.request('/audit/webhook', postBatch(bearer(WEBHOOK))),
    ]
    for (const res of answers) {
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff')
      assert.equal(res.headers.get('x-frame-options'), 'DENY')
      const csp = res.headers.get('content-security-policy') ?? ''
      assert.match(csp, /default-src 'self'/)
      assert.match(csp, /script-src 'self'/)
      assert.match(csp, /frame-ancestors 'none'/)
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/)
    }
    for (const res of answers.slice(3, 5))
      assert.equal(res.headers.get('cache-control'), 'no-store')
  })

  it('access log: method, path, parameter names only, status, duration, caller; no secret', async () => {
    const { app, log } = authedApp()
    await app.request('/api/v1/debugpod?namespace=secret-ns&name=secret-pod', {
      headers: bearer(API_B),
    })
    await app.request('/audit/webhook', postBatch(bearer(WEBHOOK)))
    await app.request('/api/v1/debugslo', { headers: bearer('wrong-guess') })
    await app.request('/healthz')
    const lines = log.lines.filter((l) => l.msg === 'http request')
    assert.equal(lines.length, 3, 'successful probes are not logged')
    const [query, webhook, refused] = lines.map((l) => l.obj as Record<string, unknown>)
    assert.deepEqual(
      { ...query, ms: 0 },
      {
        method: 'GET',
        path: '/api/v1/debugpod',
        query: 'namespace,name',
        status: 200,
        ms: 0,
        caller: 'api:token-2',
      },
    )
    assert.equal(typeof query?.ms, 'number')
    assert.equal(webhook?.caller, 'webhook:token')
    assert.deepEqual([refused?.status, refused?.caller], [401, 'anonymous'])
    const text = JSON.stringify(log.lines)
    for (const secret of [API_B, WEBHOOK, 'wrong-guess', 'secret-ns', 'secret-pod']) {
      assert.ok(!text.includes(secret), `${secret} in the log`)
    }
  })

  it('no internal error text to clients: Internal query replies and thrown errors', async () => {
    const { app, bus, log } = authedApp()
    const internal = 'ReplyError: NOAUTH redis://lunettes:hunter2@redis:6379 at store.ts:42'
    bus.onRequest = async () => ({ error: { code: 'Internal', message: internal } })
    const res = await app.request('/api/v1/debugpod?uid=u-1', { headers: bearer(API_A) })
    assert.equal(res.status, 500)
    const body = await res.text()
    assert.ok(!body.includes('hunter2') && !body.includes('store.ts'), body)
    const parsed = JSON.parse(body) as { error: { code: string; message: string } }
    assert.equal(parsed.error.code, 'Internal')
    assert.match(parsed.error.message, /^internal error \(request id [0-9a-f-]{36}\)$/)
    bus.onRequest = async () => {
      throw new TypeError('Cannot read properties of undefined (reading "x") at query.ts:9')
    }
    const thrown = await app.request('/api/v1/debugslo', { headers: bearer(API_A) })
    assert.equal(thrown.status, 500)
    assert.match((await errorOf(thrown)).message, /^internal error \(request id [0-9a-f-]{36}\)$/)
    assert.ok(
      log.lines.some((l) => l.level === 'error'),
      'the details go to the log',
    )
  })
})
