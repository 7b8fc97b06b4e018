import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { COLLECTOR_LEASE_BUCKET } from '../../actors/collectors/collector-lease.ts'
import { BusUnavailableError } from '../../actors/runtime/bus/bus.ts'
import { natsSettings } from '../../actors/runtime/bus/nats-auth.ts'
import { NatsBus } from '../../actors/runtime/bus/nats-bus.ts'
import { LEASE_BUCKET } from '../../actors/runtime/host/partition-lease.ts'
import { redisSettings } from '../../actors/runtime/store/redis-connect.ts'
import { RedisStore } from '../../actors/runtime/store/redis-store.ts'
import { StoreError } from '../../actors/runtime/store/store.ts'
import { natsAuthorizationConf } from '../support/nats-permissions.ts'
import {
  debugpodOf,
  postPod,
  type RoleProcess,
  spawnRole,
  waitHttp,
} from '../support/role-process.ts'
import { dispose, freePort, startNats, startRedis, type TestServer } from '../support/servers.ts'

/** Every secret of this file: none may appear in any captured log line or error. */
const secret = (label: string) => `${label}-${randomBytes(9).toString('hex')}`
const PW = { gateway: secret('gw'), actors: secret('act'), collector: secret('col') }
const REDIS_DEFAULT_PW = secret('rdef')
const REDIS_USER_PW = secret('racl')
const TOKEN = secret('tok')
const WRONG = secret('wrong')
const SECRETS = [...Object.values(PW), REDIS_DEFAULT_PW, REDIS_USER_PW, TOKEN, WRONG]

let nats: TestServer | undefined
let redis: TestServer | undefined
const processes: RoleProcess[] = []
const captured: string[] = []

before(async () => {
  nats = await startNats({ conf: natsAuthorizationConf(PW) })
  redis = await startRedis({
    args: [
      ...['--requirepass', REDIS_DEFAULT_PW],
      ...['--user', 'lunettes', 'on', `>${REDIS_USER_PW}`, '~lunettes:*', '&*', '+@all'],
    ],
  })
})

after(async () => {
  await Promise.all(processes.map((p) => p.stop()))
  await dispose(nats)
  await dispose(redis)
})

function role(name: string, env: Record<string, string>): RoleProcess {
  const p = spawnRole(name, env)
  processes.push(p)
  return p
}

const natsUrl = () => nats?.url ?? ''
const redisUrl = () => redis?.url ?? ''

function assertNoSecret(text: string, where: string) {
  for (const s of SECRETS) assert.ok(!text.includes(s), `${where} contains a secret`)
}

describe('NATS users with per-role permissions, Redis with requirepass and an ACL user', () => {
  let base = ''

  it('the pipeline runs: gateway publish → actor host → debugpod, each role with its own credentials', async () => {
    const port = await freePort()
    base = `http://127.0.0.1:${port}`
    const [host, portText] = [new URL(natsUrl()).hostname, new URL(natsUrl()).port]
    const actors = role('actors', {
      // Credentials in the URL are honoured (never silently dropped).
      NATS_URL: `nats://actors:${PW.actors}@${host}:${portText}`,
      REDIS_URL: redisUrl(),
      REDIS_USERNAME: 'lunettes',
      REDIS_PASSWORD: REDIS_USER_PW,
      LUNETTES_PARTITIONS: '4',
    })
    const gateway = role('gateway', {
      NATS_URL: natsUrl(),
      NATS_USER: 'gateway',
      NATS_PASSWORD: PW.gateway,
      LUNETTES_PARTITIONS: '4',
      LUNETTES_HTTP_ADDR: `127.0.0.1:${port}`,
      LUNETTES_WEBHOOK_TOKEN: TOKEN,
    })
    await waitHttp(`${base}/healthz`)
    await waitHttp(`${base}/readyz`)
    let status = 0
    for (let i = 0; i < 50 && status !== 200; i++) {
      status = await postPod(base, TOKEN, 1)
      if (status !== 200) await new Promise((r) => setTimeout(r, 200))
    }
    assert.equal(status, 200, gateway.output())
    const report = (await debugpodOf(base, 1)) as { milestones?: unknown }
    assert.ok(report.milestones, `${actors.output()}\n${gateway.output()}`)
    assert.doesNotMatch(actors.output() + gateway.output(), /Permissions Violation/i)
    captured.push(actors.output(), gateway.output())
  })

  it('the gateway user cannot put a lease key; the actors user can read it', async (t) => {
    const gw = await NatsBus.connect(natsSettings({ NATS_URL: natsUrl() }).servers, {
      auth: { user: 'gateway', pass: PW.gateway },
    })
    t.after(() => gw.close())
    await assert.rejects(
      (async () => {
        const kv = await gw.kv(LEASE_BUCKET, 10_000)
        await kv.put('signals.0', new TextEncoder().encode('forged'))
      })(),
      (err: unknown) => {
        assert.ok(err instanceof BusUnavailableError)
        assert.match(err.message, /permission/i)
        captured.push(err.message)
        return true
      },
    )
    const act = await NatsBus.connect(natsUrl(), { auth: { user: 'actors', pass: PW.actors } })
    t.after(() => act.close())
    const lease = await (await act.kv(LEASE_BUCKET, 10_000)).get('signals.0')
    assert.ok(lease, 'the actor host holds partition 0')
    assert.doesNotMatch(new TextDecoder().decode(lease.value), /forged/)
  })

  it('the collector user publishes signals and holds its own lease, not a partition lease', async (t) => {
    const col = await NatsBus.connect(natsUrl(), {
      auth: { user: 'collector', pass: PW.collector },
    })
    t.after(() => col.close())
    await col.publish([{ subject: 'lunettes.signals.0', data: new TextEncoder().encode('{}') }])
    const own = await col.kv(COLLECTOR_LEASE_BUCKET, 10_000)
    const rev = await own.create('kube', new TextEncoder().encode('me'))
    assert.ok(rev !== null && rev > 0, 'the collector holds its own lease')
    assert.ok((await own.update('kube', new TextEncoder().encode('me'), rev)) !== null)
    await assert.rejects(
      (async () => {
        const kv = await col.kv(LEASE_BUCKET, 10_000)
        await kv.put('signals.1', new TextEncoder().encode('forged'))
      })(),
      (err: unknown) => err instanceof BusUnavailableError && /permission/i.test(err.message),
    )
  })

  it('a wrong NATS password fails fast naming the server, without the secret', async () => {
    const started = Date.now()
    const p = role('actors', {
      NATS_URL: natsUrl(),
      NATS_USER: 'actors',
      NATS_PASSWORD: WRONG,
      LUNETTES_PARTITIONS: '4',
    })
    const code = await p.exited
    assert.equal(code, 1, p.output())
    assert.ok(Date.now() - started < 15_000, 'fails fast')
    assert.match(p.output(), new RegExp(`cannot connect to NATS at ${natsUrl()}`))
    assert.match(p.output(), /NATS_USER\/NATS_PASSWORD/)
    captured.push(p.output())
    // Credentials in the URL: the message shows it redacted.
    const [h, port] = [new URL(natsUrl()).hostname, new URL(natsUrl()).port]
    const q = role('actors', { NATS_URL: `nats://actors:${WRONG}@${h}:${port}` })
    assert.equal(await q.exited, 1)
    assert.match(q.output(), /nats:\/\/127\.0\.0\.1/)
    captured.push(q.output())
  })

  it('a wrong Redis password fails fast naming the server, without the secret', async () => {
    const started = Date.now()
    const p = role('actors', {
      NATS_URL: natsUrl(),
      NATS_USER: 'actors',
      NATS_PASSWORD: PW.actors,
      REDIS_URL: redisUrl().replace('redis://', `redis://lunettes:${WRONG}@`),
      LUNETTES_PARTITIONS: '4',
    })
    const code = await p.exited
    assert.equal(code, 1, p.output())
    assert.ok(Date.now() - started < 15_000, 'fails fast')
    assert.match(p.output(), new RegExp(`cannot authenticate to ${redisUrl()}`))
    assert.match(p.output(), /WRONGPASS/)
    captured.push(p.output())
    await assert.rejects(
      RedisStore.open(redisSettings({ REDIS_URL: redisUrl(), REDIS_PASSWORD: WRONG })),
      (err: unknown) => {
        assert.ok(err instanceof StoreError)
        captured.push(String(err), JSON.stringify(err))
        return true
      },
    )
  })

  it('the default user with requirepass (password in the URL) writes and reads', async (t) => {
    const url = redisUrl().replace('redis://', `redis://:${REDIS_DEFAULT_PW}@`)
    const store = await RedisStore.open(redisSettings({ REDIS_URL: url }), 'authtest:')
    t.after(() => store.close())
    assert.equal(await store.getState('nobody'), null)
  })

  it('no secret used here appears in any captured log line or error', () => {
    for (const p of processes) captured.push(p.output())
    assert.ok(captured.join('').length > 0)
    captured.forEach((text, i) => {
      assertNoSecret(text, `capture ${i}`)
    })
  })
})
