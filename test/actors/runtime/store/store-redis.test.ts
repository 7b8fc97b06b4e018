import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { Cluster, Redis } from 'ioredis'
import { createKeys } from '../../../../actors/runtime/store/keys.ts'
import { RedisStore } from '../../../../actors/runtime/store/redis-store.ts'
import { hashTag, keySlot } from '../../../../actors/runtime/store/redis-store-slots.ts'
import { StoreError, type WriteOp } from '../../../../actors/runtime/store/store.ts'
import { dispose, freePort, startRedis, type TestServer } from '../../../support/servers.ts'
import { EXACT_US, type MakeStore, runStoreContract } from '../../../support/store-contract.ts'

const prefix = () => `test-${randomUUID()}:`

function required<T>(value: T | undefined): T {
  assert.ok(value !== undefined, 'the server did not start')
  return value
}

describe('redis store', () => {
  let server: TestServer | undefined
  before(async () => {
    server = await startRedis()
  })
  after(() => dispose(server))

  const make: MakeStore = async () => {
    const store = RedisStore.connect(required(server).url, prefix())
    return { store, cleanup: () => store.close() }
  }
  runStoreContract('redis', make)

  it('wraps Redis errors in StoreError naming the operation', async (t) => {
    const p = prefix()
    const store = RedisStore.connect(required(server).url, p)
    const raw = new Redis(required(server).url)
    t.after(() => Promise.all([store.close(), raw.quit()]))
    await raw.set(createKeys(p).alarm(0), 'not a sorted set')
    await assert.rejects(store.dueAlarms(0, 1, 1), (err: unknown) => {
      assert.ok(err instanceof StoreError)
      assert.match(err.message, /^redis dueAlarms failed: WRONGTYPE/)
      assert.ok(err.cause instanceof Error)
      return true
    })
  })
})

describe('redis store: restarts and outages (AOF on)', () => {
  let server: TestServer | undefined
  before(async () => {
    server = await startRedis({ aof: true })
  })
  after(() => dispose(server))

  const everything = (uid: string): WriteOp[] => [
    { op: 'state', uid, json: `{"uid":"${uid}"}`, ttlMs: 3_600_000 },
    { op: 'name', namespace: 'ns', name: uid, uid, createdUs: EXACT_US },
    { op: 'slo', type: 'create', namespace: 'ns', uid, finishedUs: EXACT_US },
    { op: 'rollup', type: 'create', namespace: 'ns', minute: 10, fields: { ok: 1 } },
    { op: 'alarm', partition: 0, uid, at: EXACT_US },
    { op: 'meta', key: uid, value: 'v' },
  ]

  const assertAll = async (store: RedisStore, uid: string) => {
    assert.equal(await store.getState(uid), `{"uid":"${uid}"}`)
    assert.deepEqual(await store.uidsByName('ns', uid), [uid])
    assert.deepEqual(await store.sloRange('create', 'ns', EXACT_US, EXACT_US, 10), [uid])
    assert.deepEqual(await store.rollups('create', 'ns', 10, 10), [
      { minute: 10, fields: { ok: 1 } },
    ])
    assert.deepEqual(await store.dueAlarms(0, EXACT_US, 10), [{ uid, at: EXACT_US }])
    assert.equal(await store.getMeta(uid), 'v')
  }

  it('loses nothing across a restart', async (t) => {
    const srv = required(server)
    const store = RedisStore.connect(srv.url, prefix())
    t.after(() => store.close())
    await store.write(everything('u1'))
    await srv.restart()
    await assertAll(store, 'u1')
  })

  // Decision: a command issued during a short outage waits in ioredis' offline queue and is sent
  // (MULTI and all) once Redis is back, so the caller sees a slow success, not a failure.
  it('rides out a short outage: a write issued while Redis is down lands once it is back', async (t) => {
    const srv = required(server)
    const store = RedisStore.connect(srv.url, prefix())
    t.after(() => store.close())
    await store.write([])
    assert.equal(await store.getMeta('warm-up'), null)
    await srv.stop()
    await sleep(100)
    const pending = store.write(everything('u2'))
    await sleep(400)
    await srv.restart()
    await pending
    await assertAll(store, 'u2')
  })

  // ...and past `maxRetriesPerRequest` reconnects it fails with StoreError, so the caller can nak
  // and retry later; the same store works again once Redis is back.
  it('fails with StoreError when Redis stays down past the retry budget, then recovers', async (t) => {
    const srv = required(server)
    const store = RedisStore.connect(srv.url, prefix(), { maxRetriesPerRequest: 1 })
    t.after(() => store.close())
    assert.equal(await store.getMeta('warm-up'), null)
    await srv.stop()
    await sleep(100)
    await assert.rejects(store.write(everything('u3')), (err: unknown) => {
      assert.ok(err instanceof StoreError)
      assert.match(err.message, /^redis write failed/)
      return true
    })
    await srv.restart()
    assert.equal(await store.getState('u3'), null)
    await store.write(everything('u3'))
    await assertAll(store, 'u3')
  })
})

describe('redis cluster slots', () => {
  it('hashes like CLUSTER KEYSLOT (redis-server 7.0)', () => {
    const known: [string, number][] = [
      ['foo', 12182],
      ['somekey', 11058],
      ['{user1000}.following', 3443],
      ['lunettes:slo:{create}:ns', 14767],
      ['a{}b', 13694],
      ['x{}{y}', 14166],
      ['{ü}', 9552],
    ]
    for (const [key, slot] of known) assert.equal(keySlot(key), slot, key)
  })

  it('puts the keys read or written together in one slot', () => {
    const k = createKeys()
    assert.equal(keySlot(k.roll('create', 'ns', 1)), keySlot(k.roll('create', 'ns', 44_640)))
    assert.equal(keySlot(k.slo('delete')), keySlot(k.sloNs('delete', 'kube-system')))
    assert.equal(hashTag(k.name('ns', 'web-0')), 'ns/web-0')
    assert.equal(hashTag(k.alarm(7)), '7')
  })
})

/** A one-node Redis Cluster owning all 16384 slots: it still refuses cross-slot transactions. */
async function startCluster(): Promise<{ port: number; stop: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'lunettes-redis-cluster-'))
  const port = await freePort()
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '']
  // Without a peer the node does not know its own address: announce it, or CLUSTER SLOTS says ''.
  const cluster = [
    '--appendonly',
    'no',
    '--cluster-enabled',
    'yes',
    '--cluster-announce-ip',
    '127.0.0.1',
  ]
  const child: ChildProcess = spawn('redis-server', [...args, ...cluster], { stdio: 'ignore' })
  const admin = new Redis(port, '127.0.0.1', { retryStrategy: () => 50 })
  admin.on('error', () => {})
  await admin.call('CLUSTER', 'ADDSLOTSRANGE', '0', '16383')
  while (!String(await admin.call('CLUSTER', 'INFO')).includes('cluster_state:ok')) await sleep(50)
  await admin.quit()
  return {
    port,
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGKILL')
      await exited
      await rm(dir, { recursive: true, force: true })
    },
  }
}

describe('redis store on a cluster', () => {
  let cluster: Awaited<ReturnType<typeof startCluster>> | undefined
  before(async () => {
    cluster = await startCluster()
  })
  after(() => cluster?.stop())

  const make: MakeStore = async () => {
    const redis = new Cluster([{ host: '127.0.0.1', port: required(cluster).port }])
    redis.on('error', () => {})
    const store = new RedisStore({ redis, prefix: prefix() })
    return { store, cleanup: () => store.close() }
  }
  runStoreContract('redis cluster', make)

  it('refuses a cross-slot transaction, which is why writes are split by slot', async (t) => {
    const redis = new Cluster([{ host: '127.0.0.1', port: required(cluster).port }])
    t.after(() => redis.quit())
    await assert.rejects(redis.multi().set('{a}x', '1').set('{b}y', '2').exec(), /CROSSSLOT/)
  })
})
