import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { request } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { promisify } from 'node:util'
import { gatewayConfigFromEnv, startGateway } from '../../gateway/main.ts'
import { FakeBus, memoryLog } from '../gateway/fake-bus.ts'
import { eventList, happy } from '../gateway/webhook-helpers.ts'

const run = promisify(execFile)
let dir = ''

/** CA, server and client certificates made with openssl: [name, CA, subject, SAN]. */
const CERTS = [
  ['server', 'ca', '/CN=lunettes-gateway', 'IP:127.0.0.1,DNS:localhost'],
  ['apiserver', 'ca', '/CN=kube-apiserver', 'DNS:kube-apiserver.local'],
  ['by-san', 'ca', '/CN=something-else', 'DNS:audit-webhook-client'],
  ['intruder', 'ca', '/CN=intruder', 'DNS:intruder.local'],
  ['foreign', 'other-ca', '/CN=kube-apiserver', 'DNS:kube-apiserver.local'],
] as const

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lunettes-mtls-names-'))
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
  for (const [name, ca, subject, san] of CERTS) {
    await writeFile(join(dir, `${name}.ext`), `subjectAltName=${san}\n`)
    await ossl('req', ...key, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject)
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
      '-extfile',
      `${name}.ext`,
    )
  }
})
after(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('webhook mTLS with a client-name allow-list (real TLS sockets, openssl certificates)', () => {
  it('a certificate of the same CA but another name is refused; listed CN or SAN passes', async (t) => {
    const bus = new FakeBus()
    const log = memoryLog()
    const settings = gatewayConfigFromEnv({
      LUNETTES_HTTP_ADDR: '127.0.0.1:0',
      LUNETTES_TLS_CERT: join(dir, 'server.crt'),
      LUNETTES_TLS_KEY: join(dir, 'server.key'),
      LUNETTES_CLIENT_CA: join(dir, 'ca.crt'),
      LUNETTES_CLIENT_NAMES: 'kube-apiserver,audit-webhook-client',
      LUNETTES_API_TOKEN: 'api-token-for-mtls-test',
    })
    const gw = await startGateway({
      ...settings,
      bus,
      partitions: 32,
      ignoredNamespaces: new Set(),
      log,
    })
    t.after(() => gw.close())
    const ca = await readFile(join(dir, 'ca.crt'))
    const body = eventList(happy())
    const send = async (client?: string, path = '/audit/webhook', token?: string) => {
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
            path,
            method: path === '/audit/webhook' ? 'POST' : 'GET',
            headers: {
              'content-type': 'application/json',
              ...(token ? { authorization: `Bearer ${token}` } : {}),
            },
            ca,
            ...creds,
          },
          (res) => {
            res.resume()
            res.on('end', () => resolve(res.statusCode ?? 0))
          },
        )
        req.on('error', reject)
        req.end(path === '/audit/webhook' ? body : undefined)
      })
    }
    assert.equal(await send(), 403, 'no certificate')
    assert.equal(await send('foreign'), 403, 'the right name from another CA')
    assert.equal(await send('intruder'), 403, 'the same CA, another name')
    assert.equal(bus.publishes.length, 0)
    assert.equal(await send('apiserver'), 200, 'allowed by CN')
    assert.equal(await send('by-san'), 200, 'allowed by SAN')
    assert.equal(bus.publishes.length, 2)
    // The webhook's certificate opens nothing else: the API wants its own token.
    assert.equal(await send('apiserver', '/api/v1/pods'), 401)
    const callers = log.lines.map((l) => (l.obj as { caller?: string }).caller).filter(Boolean)
    assert.ok(callers.includes('webhook:cert:kube-apiserver'), JSON.stringify(callers))
    assert.ok(callers.includes('webhook:cert:audit-webhook-client'))
  })
})
