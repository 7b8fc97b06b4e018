import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createServer } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { Registry } from 'prom-client'
import { listenProbes, ProbeListenError, STARTING } from '../../actors/probe-server.ts'
import { NatsBus } from '../../actors/runtime/bus/nats-bus.ts'
import { LEASE_BUCKET } from '../../actors/runtime/host/partition-lease.ts'
import { cliCommand } from '../support/hosts.ts'
import { dispose, startNats, type TestServer } from '../support/servers.ts'

let nats: TestServer | undefined
before(async () => {
  nats = await startNats()
})
after(() => dispose(nats))

/** A port held by another listener for the test. */
async function takenPort(t: { after(fn: () => void): void }): Promise<number> {
  const blocker = createServer()
  blocker.listen(0, '127.0.0.1')
  await once(blocker, 'listening')
  t.after(() => blocker.close())
  const addr = blocker.address()
  return typeof addr === 'object' && addr ? addr.port : 0
}

describe('probe server listen errors', () => {
  it('listenProbes rejects on a taken port, naming the address and LUNETTES_METRICS_ADDR', async (t) => {
    const port = await takenPort(t)
    const addr = `127.0.0.1:${port}`
    await assert.rejects(
      listenProbes(addr, new Registry(), () => STARTING),
      (err: unknown) => {
        assert.ok(err instanceof ProbeListenError)
        assert.match(
          err.message,
          new RegExp(`${addr}.*address already in use.*LUNETTES_METRICS_ADDR`),
        )
        return true
      },
    )
    await assert.rejects(
      listenProbes('nonsense', new Registry(), () => STARTING),
      ProbeListenError,
    )
    const ok = await listenProbes('127.0.0.1:0', new Registry(), () => STARTING)
    ok.close()
  })

  it('lunettes actors on a taken metrics port exits 1 with one message, no stack, and took no lease', async (t) => {
    const port = await takenPort(t)
    const child = spawn(process.execPath, [...cliCommand(), 'actors'], {
      env: {
        ...process.env,
        NATS_URL: nats?.url ?? '',
        LUNETTES_METRICS_ADDR: `127.0.0.1:${port}`,
        LUNETTES_PARTITIONS: '4',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    let stderr = ''
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString()
    })
    const [code] = (await once(child, 'exit')) as [number | null]
    assert.equal(code, 1, stderr)
    assert.match(stderr, new RegExp(`127\\.0\\.0\\.1:${port}`))
    assert.match(stderr, /LUNETTES_METRICS_ADDR/)
    assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace')
    const bus = await NatsBus.connect(nats?.url ?? '')
    t.after(() => bus.close())
    const kv = await bus.kv(LEASE_BUCKET, 10_000)
    for (let p = 0; p < 4; p++) assert.equal(await kv.get(`signals.${p}`), null)
  })
})
