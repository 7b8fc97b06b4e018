import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { request } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { promisify } from 'node:util'
import {
  DEFAULT_HTTP_ADDR,
  gatewayConfigFromEnv,
  parseAddr,
  type StartGatewayOptions,
  startGateway,
} from '../../gateway/main.ts'
import { FakeBus, memoryLog } from './fake-bus.ts'
import { eventList, happy, TOKEN } from './webhook-helpers.ts'

const run = promisify(execFile)

function deps(bus: FakeBus): Omit<StartGatewayOptions, 'addr' | 'webhook'> {
  return { bus, partitions: 32, ignoredNamespaces: new Set(), log: memoryLog() }
}

describe('gateway on a real socket (fake bus)', () => {
  it('serves the webhook and health over HTTP on port 0', async (t) => {
    const bus = new FakeBus()
    const gw = await startGateway({
      ...deps(bus),
      addr: '127.0.0.1:0',
      webhook: { token: TOKEN, maxBodyBytes: 200_000 },
    })
    t.after(() => gw.close())
    assert.ok(gw.port > 0)
    const base = `http://127.0.0.1:${gw.port}`
    assert.equal(await (await fetch(`${base}/healthz`)).text(), 'ok')
    const body = await readFile('test/fixtures/audit/eventlist.json')
    const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }
    const anon = await fetch(`${base}/audit/webhook`, { method: 'POST', body })
    assert.equal(anon.status, 401)
    await anon.body?.cancel()
    const ok = await fetch(`${base}/audit/webhook`, { method: 'POST', body, headers: auth })
    assert.equal(ok.status, 200)
    const reply = (await ok.json()) as { signals: number; rejected: number }
    assert.equal(reply.rejected, 0)
    assert.equal(bus.publishes.length, 1)
    assert.equal(bus.messages.length, reply.signals)
    const big = await fetch(`${base}/audit/webhook`, {
      method: 'POST',
      body: new Uint8Array(300_000),
      headers: auth,
    })
    assert.equal(big.status, 413)
    await big.body?.cancel()
    // A chunked body has no Content-Length: the limit is enforced while reading.
    const chunks = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < 30; i++) c.enqueue(new Uint8Array(10_000).fill(32))
        c.close()
      },
    })
    const chunked = await fetch(`${base}/audit/webhook`, {
      method: 'POST',
      body: chunks,
      headers: auth,
      duplex: 'half',
    } as RequestInit)
    assert.equal(chunked.status, 413)
    await chunked.body?.cancel()
  })

  it('refuses to start with client certificates required but no CA', async () => {
    await assert.rejects(
      startGateway({
        ...deps(new FakeBus()),
        addr: '127.0.0.1:0',
        webhook: { requireClientCert: true },
      }),
      /client CA/,
    )
  })
})

describe('gateway over mTLS', () => {
  let dir = ''
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lunettes-mtls-'))
    const ossl = (...args: string[]) => run('openssl', args, { cwd: dir })
    const key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
    for (const ca of ['ca', 'other-ca']) {
      await ossl(
        'req',
        '-x509',
        ...key,
        '-keyout',
        `${ca}.key`,
        '-out',
        `${ca}.crt`,
        '-days',
        '1',
        '-subj',
        `/CN=${ca}`,
      )
    }
    await writeFile(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n')
    const issue = async (name: string, ca: string, ext: string[]) => {
      await ossl(
        'req',
        ...key,
        '-keyout',
        `${name}.key`,
        '-out',
        `${name}.csr`,
        '-subj',
        `/CN=${name}`,
      )
      await ossl(
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        `${ca}.crt`,
        '-CAkey',
        `${ca}.key`,
        '-CAcreateserial',
        '-out',
        `${name}.crt`,
        '-days',
        '1',
        ...ext,
      )
    }
    await issue('server', 'ca', ['-extfile', 'server.ext'])
    await issue('client', 'ca', [])
    await issue('intruder', 'other-ca', [])
  })
  after(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('answers 403 without a client certificate or with one from another CA, 200 with a good one', async (t) => {
    const bus = new FakeBus()
    const settings = gatewayConfigFromEnv({
      LUNETTES_HTTP_ADDR: '127.0.0.1:0',
      LUNETTES_TLS_CERT: join(dir, 'server.crt'),
      LUNETTES_TLS_KEY: join(dir, 'server.key'),
      LUNETTES_CLIENT_CA: join(dir, 'ca.crt'),
      LUNETTES_CLIENT_NAMES: 'client',
    })
    assert.equal(settings.webhook.requireClientCert, true)
    const gw = await startGateway({ ...deps(bus), ...settings })
    t.after(() => gw.close())
    const ca = await readFile(join(dir, 'ca.crt'))
    const body = eventList(happy())
    const send = async (client?: string) => {
      const creds = client
        ? {
            cert: await readFile(join(dir, `${client}.crt`)),
            key: await readFile(join(dir, `${client}.key`)),
          }
        : {}
      return new Promise<number>((resolve, reject) => {
        const req = request(
          {
            host: '127.0.0.1',
            port: gw.port,
            path: '/audit/webhook',
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            ca,
            ...creds,
          },
          (res) => {
            res.resume()
            res.on('end', () => resolve(res.statusCode ?? 0))
          },
        )
        req.on('error', reject)
        req.end(body)
      })
    }
    assert.equal(await send(), 403)
    assert.equal(await send('intruder'), 403)
    assert.equal(bus.publishes.length, 0)
    assert.equal(await send('client'), 200)
    assert.equal(bus.publishes.length, 1)
  })
})

describe('gateway settings from the environment', () => {
  it('defaults', () => {
    const s = gatewayConfigFromEnv({})
    assert.equal(s.addr, DEFAULT_HTTP_ADDR)
    assert.deepEqual(s.webhook, { maxBodyBytes: 10 * 1024 * 1024, requireClientCert: false })
    assert.equal(s.tls, undefined)
  })

  it('token, size, TLS without a client CA', () => {
    const s = gatewayConfigFromEnv({
      LUNETTES_HTTP_ADDR: ':9443',
      LUNETTES_INSECURE: 'true',
      LUNETTES_WEBHOOK_TOKEN: 'tok',
      LUNETTES_WEBHOOK_MAX_BYTES: '2048',
      LUNETTES_TLS_CERT: '/c.pem',
      LUNETTES_TLS_KEY: '/k.pem',
    })
    assert.deepEqual(s.webhook, { token: 'tok', maxBodyBytes: 2048, requireClientCert: false })
    assert.deepEqual(s.tls, { certFile: '/c.pem', keyFile: '/k.pem', caFile: undefined })
  })

  it('errors name the variable', () => {
    assert.throws(() => gatewayConfigFromEnv({ LUNETTES_HTTP_ADDR: 'nope' }), /LUNETTES_HTTP_ADDR/)
    assert.throws(
      () => gatewayConfigFromEnv({ LUNETTES_WEBHOOK_MAX_BYTES: '-1' }),
      /LUNETTES_WEBHOOK_MAX_BYTES/,
    )
    assert.throws(() => gatewayConfigFromEnv({ LUNETTES_TLS_CERT: '/c.pem' }), /LUNETTES_TLS_KEY/)
    assert.throws(
      () => gatewayConfigFromEnv({ LUNETTES_CLIENT_CA: '/ca.pem' }),
      /LUNETTES_TLS_CERT/,
    )
  })

  it('parses listen addresses', () => {
    assert.deepEqual(parseAddr('0.0.0.0:8080'), { hostname: '0.0.0.0', port: 8080 })
    assert.deepEqual(parseAddr(':9000'), { hostname: '0.0.0.0', port: 9000 })
    assert.deepEqual(parseAddr('9000'), { hostname: '0.0.0.0', port: 9000 })
    assert.deepEqual(parseAddr('[::1]:80'), { hostname: '::1', port: 80 })
    assert.deepEqual(parseAddr('localhost:0'), { hostname: 'localhost', port: 0 })
    assert.throws(() => parseAddr('host:99999'), RangeError)
    assert.throws(() => parseAddr('host'), RangeError)
  })
})
