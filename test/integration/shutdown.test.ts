import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { NatsBus } from '../../actors/runtime/bus/nats-bus.ts'
import { LIVE_CHANNEL } from '../../actors/runtime/channel.ts'
import { LEASE_BUCKET } from '../../actors/runtime/host/partition-lease.ts'
import { leasesHeld, spawnActors, stopChild } from '../support/hosts.ts'
import { useServers } from '../support/servers.ts'

const servers = useServers()

describe('graceful shutdown of an actor host (real processes, NATS + Redis)', () => {
  it('SIGTERM releases its leases: the other host takes its partitions well before they would expire', async () => {
    const env = {
      NATS_URL: servers.nats.url,
      REDIS_URL: servers.redis.url,
      LUNETTES_LEASE_TTL: '4s',
    }
    const a = spawnActors(['--partitions', '0-15'], env)
    const b = spawnActors(['--partitions', '16-31'], env)
    const bus = await NatsBus.connect(servers.nats.url)
    try {
      await leasesHeld(bus, LIVE_CHANNEL.leaseOf, 32, 4000)
      const kv = await bus.kv(LEASE_BUCKET, 4000)
      // Standbys start taking over only after one lease period (hosts starting together keep
      // their shares): let that pass, as in any running deployment.
      await sleep(4500)
      const owner = async (p: number) =>
        new TextDecoder().decode((await kv.get(LIVE_CHANNEL.leaseOf(p)))?.value)
      assert.match(await owner(0), new RegExp(`-${a.pid}$`))
      const exited = new Promise<number | null>((resolve) =>
        a.once('exit', (code) => resolve(code)),
      )
      const started = Date.now()
      a.kill('SIGTERM')
      assert.equal(await exited, 0, 'exit code after SIGTERM')
      for (;;) {
        const owners = await Promise.all(Array.from({ length: 16 }, (_, p) => owner(p)))
        if (owners.every((o) => o.endsWith(`-${b.pid}`))) break
        assert.ok(
          Date.now() - started < 3000,
          `partitions not taken over in time: ${owners.join(',')}`,
        )
        await sleep(100)
      }
    } finally {
      await stopChild(a)
      await stopChild(b)
      await bus.close()
    }
  })
})
