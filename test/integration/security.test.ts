import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { pino } from 'pino'
import { REDACT_PATHS } from '../../actors/process-setup.ts'
import { eventList, happy } from '../gateway/webhook-helpers.ts'
import { cliCommand, stopChild } from '../support/hosts.ts'
import { freePort } from '../support/servers.ts'

const SECRETS = {
  webhook: 'wh-1f3a9c6e0b7d4e2a8c5f',
  api: 'api-7b2d4f6a8c0e1f3b5d7a',
  api2: 'api-second-9e8d7c6b5a4f',
  metrics: 'metrics-3c5e7a9b1d2f4e6a',
}
const CLEAN_ENV = {
  NATS_URL: '',
  REDIS_URL: '',
  LUNETTES_WEBHOOK_TOKEN: '',
  LUNETTES_API_TOKEN: '',
  LUNETTES_METRICS_TOKEN: '',
  LUNETTES_INSECURE: '',
  LUNETTES_API_AUTH: '',
}

/** A CLI child with its stderr captured (every log line and fatal error). */
function lunettes(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, [...cliCommand(), ...args], {
    env: { ...process.env, ...CLEAN_ENV, LUNETTES_METRICS_ADDR: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const out = { stderr: '', stdout: '' }
  child.stderr?.on('data', (d: Buffer) => {
    out.stderr += d.toString()
  })
  child.stdout?.on('data', (d: Buffer) => {
    out.stdout += d.toString()
  })
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  )
  return { child, out, exited }
}

async function until(url: string, init: RequestInit = {}): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const res = await fetch(url, init).catch(() => null)
    await res?.body?.cancel()
    if (res) return
    await sleep(50)
  }
  throw new Error(`${url} never answered`)
}

const children: ChildProcess[] = []
let dir = ''
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lunettes-security-'))
})
after(async () => {
  await Promise.all(children.map((c) => stopChild(c)))
  await rm(dir, { recursive: true, force: true })
})

describe('secure by default (real processes)', () => {
  it('lunettes all on 0.0.0.0 without authentication exits non-zero naming the variables', async () => {
    const port = await freePort()
    const run = lunettes(['all'], { LUNETTES_HTTP_ADDR: `0.0.0.0:${port}` })
    children.push(run.child)
    assert.notEqual(await run.exited, 0)
    for (const v of ['LUNETTES_WEBHOOK_TOKEN', 'LUNETTES_API_TOKEN', 'LUNETTES_INSECURE']) {
      assert.ok(run.out.stderr.includes(v), `${v} in: ${run.out.stderr}`)
    }
  })

  it('lunettes actors refuses an unauthenticated metrics port on the network', async () => {
    const port = await freePort()
    const run = lunettes(['actors'], { LUNETTES_METRICS_ADDR: `0.0.0.0:${port}` })
    children.push(run.child)
    assert.notEqual(await run.exited, 0)
    assert.match(
      run.out.stderr,
      /LUNETTES_METRICS_ADDR.*LUNETTES_METRICS_TOKEN.*LUNETTES_INSECURE/s,
    )
  })

  it('lunettes all on loopback starts, with a warning; without an address it binds 127.0.0.1', async () => {
    const port = await freePort()
    const run = lunettes(['all'], { LUNETTES_HTTP_ADDR: `127.0.0.1:${port}`, LOG_LEVEL: 'info' })
    children.push(run.child)
    await until(`http://127.0.0.1:${port}/healthz`)
    assert.equal((await fetch(`http://127.0.0.1:${port}/api/v1/pods`)).status, 200)
    assert.match(run.out.stderr, /"level":40.*without authentication \(loopback only\)/)
    await stopChild(run.child)
  })
})

describe('an authenticated run: every surface, and no secret in any log line', () => {
  it('webhook, API, metrics of lunettes all on 0.0.0.0, and the actor host’s metrics port', async () => {
    await writeFile(join(dir, 'api-tokens'), `${SECRETS.api}\n${SECRETS.api2}\n`)
    const port = await freePort()
    const all = lunettes(['all'], {
      LUNETTES_HTTP_ADDR: `0.0.0.0:${port}`,
      LUNETTES_WEBHOOK_TOKEN: SECRETS.webhook,
      LUNETTES_API_TOKEN_FILE: join(dir, 'api-tokens'),
      LUNETTES_METRICS_TOKEN: SECRETS.metrics,
      LOG_LEVEL: 'debug',
    })
    children.push(all.child)
    const base = `http://127.0.0.1:${port}`
    await until(`${base}/healthz`)
    const as = (token?: string, json = false): RequestInit => ({
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(json ? { 'content-type': 'application/json' } : {}),
      },
    })
    const status = async (path: string, init: RequestInit) => {
      const res = await fetch(`${base}${path}`, init)
      await res.body?.cancel()
      return res.status
    }
    const batch = eventList(happy())
    const post = (token?: string) => ({ ...as(token, true), method: 'POST', body: batch })
    assert.equal(await status('/audit/webhook', post()), 401)
    assert.equal(await status('/audit/webhook', post(SECRETS.api)), 403)
    assert.equal(await status('/audit/webhook', post(SECRETS.webhook)), 200)
    for (const path of ['/api/v1/pods', '/api/v1/debugslo', '/api/v1/debugpod?uid=x']) {
      assert.equal(await status(path, as()), 401, path)
      assert.equal(await status(path, as(SECRETS.webhook)), 401, path)
      assert.equal(await status(path, as(SECRETS.metrics)), 401, path)
    }
    assert.equal(await status('/api/v1/pods', as(SECRETS.api)), 200)
    assert.equal(await status('/api/v1/pods', as(SECRETS.api2)), 200)
    assert.equal(await status('/metrics', as()), 401)
    assert.equal(await status('/metrics', as(SECRETS.api)), 401)
    assert.equal(await status('/metrics', as(SECRETS.metrics)), 200)

    const metricsPort = await freePort()
    const actors = lunettes(['actors'], {
      LUNETTES_METRICS_ADDR: `0.0.0.0:${metricsPort}`,
      LUNETTES_METRICS_TOKEN: SECRETS.metrics,
      LOG_LEVEL: 'debug',
    })
    children.push(actors.child)
    const probes = `http://127.0.0.1:${metricsPort}`
    await until(`${probes}/healthz`)
    const plain = async (path: string, init: RequestInit = {}) => {
      const res = await fetch(`${probes}${path}`, init)
      await res.body?.cancel()
      return res.status
    }
    assert.equal(await plain('/metrics'), 401)
    assert.equal(await plain('/metrics', as(SECRETS.api)), 401)
    assert.equal(await plain('/metrics', as(SECRETS.metrics)), 200)
    assert.notEqual(await plain('/healthz'), 401, 'probes stay open')
    assert.notEqual(await plain('/readyz'), 401, 'probes stay open')

    await stopChild(all.child)
    await stopChild(actors.child)
    const logs = `${all.out.stderr}\n${all.out.stdout}\n${actors.out.stderr}\n${actors.out.stdout}`
    assert.match(all.out.stderr, /"msg":"http request"/, 'the access log was captured')
    for (const [name, secret] of Object.entries(SECRETS)) {
      assert.ok(!logs.includes(secret), `the ${name} secret appears in the logs`)
    }
    assert.ok(!logs.includes(await readFile(join(dir, 'api-tokens'), 'utf8')))
  })
})

describe('pino redact in the process logger', () => {
  it('authorization headers, passwords and tokens never reach the output', () => {
    const lines: string[] = []
    const log = pino(
      { redact: { paths: REDACT_PATHS, censor: '[redacted]' } },
      { write: (s: string) => lines.push(s) },
    )
    log.info({ headers: { authorization: `Bearer ${SECRETS.api}` } }, 'a')
    log.info({ req: { headers: { Authorization: SECRETS.webhook, cookie: 'c=1' } } }, 'b')
    log.info(
      { password: 'hunter2', redis: { password: 'pw2' }, nats: { token: SECRETS.metrics } },
      'c',
    )
    const text = lines.join('')
    for (const secret of [...Object.values(SECRETS), 'hunter2', 'pw2', 'c=1']) {
      assert.ok(!text.includes(secret), `${secret} in ${text}`)
    }
    assert.equal(text.match(/\[redacted\]/g)?.length, 6)
  })
})
