import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { Cluster, Redis } from 'ioredis'
import {
  createRedisClient,
  RedisConfigError,
  redisSettings,
  watchRedisErrors,
} from '../../../../actors/runtime/store/redis-connect.ts'
import { RedisStore } from '../../../../actors/runtime/store/redis-store.ts'
import { dispose, freePort, startRedis, waitForPort } from '../../../support/servers.ts'

describe('redisSettings (REDIS_* variables)', () => {
  it('standalone: userinfo moved out of the URL, REDIS_USERNAME/REDIS_PASSWORD override it', () => {
    const s = redisSettings({ REDIS_URL: 'redis://u:p%40ss@h:6380/2' })
    assert.equal(s.mode, 'standalone')
    assert.deepEqual([s.username, s.password, s.display], ['u', 'p@ss', 'redis://h:6380/2'])
    const o = redisSettings({
      REDIS_URL: 'redis://u:old@h',
      REDIS_PASSWORD: 'new',
      REDIS_USERNAME: 'v',
    })
    assert.deepEqual([o.username, o.password], ['v', 'new'])
    assert.deepEqual(redisSettings({ REDIS_URL: 'rediss://h' }).tls, {})
  })

  it('cluster from REDIS_CLUSTER=true (the URL list) or REDIS_CLUSTER_NODES; sentinel from REDIS_SENTINELS', () => {
    const a = redisSettings({
      REDIS_CLUSTER: 'true',
      REDIS_URL: 'redis://:pw@h1:7000,redis://h2:7001',
    })
    assert.equal(a.mode, 'cluster')
    if (a.mode === 'cluster')
      assert.deepEqual(a.nodes, [
        { host: 'h1', port: 7000 },
        { host: 'h2', port: 7001 },
      ])
    assert.equal(a.password, 'pw')
    const b = redisSettings({ REDIS_CLUSTER_NODES: 'h1:7000,h2' })
    if (b.mode === 'cluster')
      assert.deepEqual(b.nodes, [
        { host: 'h1', port: 7000 },
        { host: 'h2', port: 6379 },
      ])
    const c = redisSettings({
      REDIS_SENTINELS: 's1:26379,s2',
      REDIS_SENTINEL_PASSWORD: 'sp',
      REDIS_PASSWORD: 'p',
    })
    assert.equal(c.mode, 'sentinel')
    if (c.mode === 'sentinel') {
      assert.equal(c.name, 'mymaster')
      assert.equal(c.sentinelPassword, 'sp')
      assert.deepEqual(c.sentinels, [
        { host: 's1', port: 26379 },
        { host: 's2', port: 26379 },
      ])
    }
    assert.doesNotMatch(c.display + a.display, /sp|pw/)
  })

  it('refuses what cannot work, naming the variable and not the secret', () => {
    const bad: Record<string, string>[] = [
      { REDIS_URL: 'http://u:secret1@h' },
      { REDIS_URL: 'redis://h', REDIS_CERT: '/c.pem' },
      { REDIS_URL: 'redis://h', REDIS_CA: '/nonexistent/ca.pem' },
      { REDIS_CLUSTER_NODES: 'h:1', REDIS_SENTINELS: 's:2' },
      { REDIS_CLUSTER_NODES: 'h:notaport' },
      { REDIS_CLUSTER: 'true' },
    ]
    for (const env of bad) {
      assert.throws(
        () => redisSettings(env),
        (err: unknown) => {
          assert.ok(err instanceof RedisConfigError, String(err))
          assert.match(err.message, /REDIS_/)
          assert.doesNotMatch(err.message, /secret1/)
          return true
        },
      )
    }
  })
})

describe('redis error logging (fake clock)', () => {
  it('logs error events at most once per interval, with the suppressed count and no command args', async () => {
    const client = new Redis({ lazyConnect: true })
    let now = 0
    const lines: Record<string, unknown>[] = []
    watchRedisErrors(
      client,
      'redis://h:1',
      { warn: (o) => lines.push(o as never) },
      { everyMs: 1000, now: () => now },
    )
    const err = Object.assign(new Error('WRONGPASS at redis://u:hunter2@h'), {
      command: { args: ['hunter2'] },
    })
    client.emit('error', err)
    client.emit('error', err)
    client.emit('error', err)
    now = 1500
    client.emit('error', err)
    assert.equal(lines.length, 2)
    assert.equal(lines[1]?.suppressed, 2)
    assert.doesNotMatch(JSON.stringify(lines), /hunter2/)
    client.disconnect()
  })
})

/**
 * Starts redis-server with `args` and waits with plain sockets. (A lazy ioredis client probed with
 * repeated `connect()` calls used to race itself into a reconnect loop that outlived the test and
 * kept the file's process alive under load.)
 */
async function spawnWait(args: string[], port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', args, { stdio: 'ignore' })
  await waitForPort(port)
  return child
}

async function killAndWait(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const gone = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGKILL')
  await gone
}

describe('redis Cluster and Sentinel reached from the settings (real servers)', () => {
  it('REDIS_CLUSTER_NODES makes an ioredis Cluster that the store works on', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'lunettes-rc-'))
    const port = await freePort()
    const child = await spawnWait(
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        '--save',
        '',
        '--appendonly',
        'no',
        '--cluster-enabled',
        'yes',
        '--cluster-announce-ip',
        '127.0.0.1',
      ],
      port,
    )
    t.after(async () => {
      await killAndWait(child)
      await rm(dir, { recursive: true, force: true })
    })
    const admin = new Redis(port, '127.0.0.1')
    await admin.call('CLUSTER', 'ADDSLOTSRANGE', '0', '16383')
    while (!String(await admin.call('CLUSTER', 'INFO')).includes('cluster_state:ok'))
      await sleep(50)
    await admin.quit()
    const settings = redisSettings({ REDIS_CLUSTER_NODES: `127.0.0.1:${port}` })
    const client = createRedisClient(settings, { maxRetriesPerRequest: 1 })
    client.on('error', () => {})
    assert.ok(client instanceof Cluster)
    client.disconnect()
    const store = await RedisStore.open(settings, 'rc:')
    // Closed before the server is killed (after-hooks run later): a client left reconnecting to
    // a dead server keeps the test process alive.
    try {
      assert.equal(await store.getState('nobody'), null)
    } finally {
      await store.close()
    }
  })

  it('REDIS_SENTINELS finds the master through a sentinel, with passwords', async (t) => {
    const master = await startRedis({ args: ['--requirepass', 'mpw'] })
    t.after(() => dispose(master))
    const dir = await mkdtemp(join(tmpdir(), 'lunettes-sentinel-'))
    const port = await freePort()
    const conf = join(dir, 'sentinel.conf')
    await writeFile(
      conf,
      `port ${port}\nbind 127.0.0.1\nrequirepass spw\nsentinel monitor mymaster 127.0.0.1 ${master.port} 1\nsentinel auth-pass mymaster mpw\n`,
    )
    const child = await spawnWait([conf, '--sentinel'], port)
    t.after(async () => {
      await killAndWait(child)
      await rm(dir, { recursive: true, force: true })
    })
    const settings = redisSettings({
      REDIS_SENTINELS: `127.0.0.1:${port}`,
      REDIS_SENTINEL_PASSWORD: 'spw',
      REDIS_PASSWORD: 'mpw',
    })
    const store = await RedisStore.open(settings, 'rs:')
    try {
      assert.equal(await store.getState('nobody'), null)
    } finally {
      await store.close()
    }
  })
})
