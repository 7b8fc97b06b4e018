import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { cliCommand, stopChild } from '../../support/hosts.ts'
import { freePort } from '../../support/servers.ts'

/** `lunettes collect --audit-log FILE` as a real process, probes on `port`. */
function spawnCollect(file: string, port: number, env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [...cliCommand(), 'collect', '--audit-log', file], {
    env: {
      ...process.env,
      NATS_URL: '',
      REDIS_URL: '',
      LUNETTES_METRICS_ADDR: `127.0.0.1:${port}`,
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000)
  })
  return { child, stderr: () => stderr }
}

/** GETs `path` until the server answers (any status), for up to 15 s. */
async function getWhenUp(port: number, path: string, child: ChildProcess) {
  for (let i = 0; i < 150; i++) {
    if (child.exitCode !== null) throw new Error(`collect exited with ${child.exitCode}`)
    const res = await fetch(`http://127.0.0.1:${port}${path}`).catch(() => null)
    if (res) return { status: res.status, body: await res.text() }
    await sleep(100)
  }
  throw new Error(`no answer on ${path} within 15 s`)
}

async function untilStatus(port: number, path: string, status: number, child: ChildProcess) {
  for (let i = 0; i < 150; i++) {
    const got = await getWhenUp(port, path, child)
    if (got.status === status) return got
    await sleep(100)
  }
  throw new Error(`${path} never answered ${status}`)
}

describe('lunettes collect probes (real process)', () => {
  it('serves /healthz, /readyz and /metrics once running, and closes them on SIGTERM', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'collect-probes-'))
    t.after(() => rm(dir, { recursive: true, force: true }))
    const file = join(dir, 'audit.log')
    await writeFile(file, '')
    const port = await freePort()
    const { child, stderr } = spawnCollect(file, port)
    t.after(() => stopChild(child))
    const ready = await untilStatus(port, '/readyz', 200, child)
    assert.equal(JSON.parse(ready.body).ready, true)
    const live = await getWhenUp(port, '/healthz', child)
    assert.equal(live.status, 200)
    const metrics = await getWhenUp(port, '/metrics', child)
    assert.equal(metrics.status, 200)
    assert.match(metrics.body, /^process_cpu_user_seconds_total /m)
    assert.equal((await getWhenUp(port, '/nope', child)).status, 404)
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
    child.kill('SIGTERM')
    assert.equal(await exited, 0, stderr())
    const after = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => null)
    assert.equal(after, null, 'the probe port is closed after shutdown')
  })

  it('is live but not ready while the bus connection hangs (a silent fake NATS server)', async (t) => {
    const sockets = new Set<Socket>()
    const silent = createServer((s) => {
      sockets.add(s) // accepts and never sends INFO: the client waits in connect
    })
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    t.after(() => {
      for (const s of sockets) s.destroy()
      silent.close()
    })
    const natsPort = (silent.address() as { port: number }).port
    const dir = await mkdtemp(join(tmpdir(), 'collect-probes-'))
    t.after(() => rm(dir, { recursive: true, force: true }))
    const file = join(dir, 'audit.log')
    await writeFile(file, '')
    const port = await freePort()
    const { child } = spawnCollect(file, port, { NATS_URL: `nats://127.0.0.1:${natsPort}` })
    t.after(() => stopChild(child, 'SIGKILL'))
    const notReady = await getWhenUp(port, '/readyz', child)
    assert.equal(notReady.status, 503)
    assert.equal(JSON.parse(notReady.body).ready, false)
    assert.equal((await getWhenUp(port, '/healthz', child)).status, 200)
  })

  it('serves no probes when LUNETTES_METRICS_ADDR is empty', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'collect-probes-'))
    t.after(() => rm(dir, { recursive: true, force: true }))
    const file = join(dir, 'audit.log')
    await writeFile(file, '')
    const port = await freePort()
    const { child } = spawnCollect(file, port, { LUNETTES_METRICS_ADDR: '', LOG_LEVEL: 'info' })
    t.after(() => stopChild(child))
    const started = new Promise<void>((resolve) => {
      child.stderr?.on('data', (d: Buffer) => {
        if (d.toString().includes('collectors started')) resolve()
      })
    })
    await started
    const res = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => null)
    assert.equal(res, null)
  })
})
