import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { BusUnavailableError } from '../../actors/runtime/bus/bus.ts'
import { natsSettings } from '../../actors/runtime/bus/nats-auth.ts'
import { NatsBus } from '../../actors/runtime/bus/nats-bus.ts'
import { redisSettings } from '../../actors/runtime/store/redis-connect.ts'
import { RedisStore } from '../../actors/runtime/store/redis-store.ts'
import { makeCerts, type TestCerts } from '../support/certs.ts'
import { natsAuthorizationConf } from '../support/nats-permissions.ts'
import {
  debugpodOf,
  postPod,
  type RoleProcess,
  spawnRole,
  waitHttp,
} from '../support/role-process.ts'
import { dispose, freePort, startNats, startRedis, type TestServer } from '../support/servers.ts'

const secret = (label: string) => `${label}-${randomBytes(9).toString('hex')}`
const PW = { gateway: secret('gw'), actors: secret('act'), collector: secret('col') }
const REDIS_PW = secret('redis')
const TOKEN = secret('tok')
const SECRETS = [...Object.values(PW), REDIS_PW, TOKEN]

let dir = ''
let certs: TestCerts | undefined
let nats: TestServer | undefined
let redis: TestServer | undefined
const processes: RoleProcess[] = []

const required = <T>(v: T | undefined): T => {
  if (v === undefined) throw new Error('not started')
  return v
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lunettes-tls-'))
  certs = await makeCerts(dir, ['lunettes-actors', 'lunettes-gateway'])
  const tls = `tls {\n  cert_file: ${JSON.stringify(certs.serverCert)}\n  key_file: ${JSON.stringify(certs.serverKey)}\n  ca_file: ${JSON.stringify(certs.ca)}\n  verify: true\n}\n`
  nats = await startNats({ conf: tls + natsAuthorizationConf(PW), scheme: 'tls' })
  redis = await startRedis({
    tls: { cert: certs.serverCert, key: certs.serverKey, ca: certs.ca },
    args: ['--requirepass', REDIS_PW],
  })
})

after(async () => {
  await Promise.all(processes.map((p) => p.stop()))
  await dispose(nats)
  await dispose(redis)
  await rm(dir, { recursive: true, force: true })
})

function clientEnv(name: 'lunettes-actors' | 'lunettes-gateway'): Record<string, string> {
  const c = required(certs)
  const client = required(c.clients[name])
  return { NATS_CA: c.ca, NATS_CERT: client.cert, NATS_KEY: client.key }
}

describe('TLS with client certificates: nats-server (verify: true) and redis-server (tls-port)', () => {
  it('the pipeline runs over TLS with client certificates and passwords', async () => {
    const c = required(certs)
    const actorsCert = required(c.clients['lunettes-actors'])
    const port = await freePort()
    const base = `http://127.0.0.1:${port}`
    const actors = spawnRole('actors', {
      NATS_URL: required(nats).url,
      NATS_USER: 'actors',
      NATS_PASSWORD: PW.actors,
      ...clientEnv('lunettes-actors'),
      REDIS_URL: required(redis).url,
      REDIS_PASSWORD: REDIS_PW,
      REDIS_CA: c.ca,
      REDIS_CERT: actorsCert.cert,
      REDIS_KEY: actorsCert.key,
      LUNETTES_PARTITIONS: '4',
    })
    processes.push(actors)
    const gateway = spawnRole('gateway', {
      NATS_URL: required(nats).url,
      NATS_USER: 'gateway',
      NATS_PASSWORD: PW.gateway,
      ...clientEnv('lunettes-gateway'),
      LUNETTES_PARTITIONS: '4',
      LUNETTES_HTTP_ADDR: `127.0.0.1:${port}`,
      LUNETTES_WEBHOOK_TOKEN: TOKEN,
    })
    processes.push(gateway)
    await waitHttp(`${base}/readyz`)
    let status = 0
    for (let i = 0; i < 50 && status !== 200; i++) {
      status = await postPod(base, TOKEN, 2)
      if (status !== 200) await new Promise((r) => setTimeout(r, 200))
    }
    assert.equal(status, 200, gateway.output())
    const report = (await debugpodOf(base, 2)) as { milestones?: unknown }
    assert.ok(report.milestones, actors.output())
    assert.match(actors.output(), /"store":"rediss:\/\/127\.0\.0\.1/)
  })

  it('a client without a certificate is refused by both servers', async () => {
    const c = required(certs)
    const noCert = natsSettings({ NATS_URL: required(nats).url, NATS_CA: c.ca })
    await assert.rejects(
      NatsBus.connect(noCert.servers, {
        auth: { ...noCert.auth, user: 'actors', pass: PW.actors },
      }),
      (err: unknown) => {
        assert.ok(err instanceof BusUnavailableError)
        assert.match(err.message, /cannot connect to NATS at tls:\/\/127\.0\.0\.1/)
        return true
      },
    )
    const lines: string[] = []
    const store = RedisStore.fromSettings(
      redisSettings({ REDIS_URL: required(redis).url, REDIS_PASSWORD: REDIS_PW, REDIS_CA: c.ca }),
      'tlstest:',
      { maxRetriesPerRequest: 1, logger: { warn: (o, m) => lines.push(JSON.stringify(o) + m) } },
    )
    await assert.rejects(store.getState('x'))
    await store.close()
    assert.ok(lines.length > 0, 'the refused connection was logged')
    assert.match(lines[0] ?? '', /rediss:\/\/127\.0\.0\.1/)
  })

  it('no secret appears in any captured output', () => {
    for (const p of processes) {
      for (const s of SECRETS) assert.ok(!p.output().includes(s), 'a secret was logged')
    }
  })
})
