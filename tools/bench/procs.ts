import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { createServer, Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'

/** A process the bench started, stopped when the run ends. */
export interface BenchProcess {
  readonly name: string
  readonly child: ChildProcess
  /** The last lines it wrote to stderr (for a failure message). */
  tail(): string
  stop(): Promise<void>
}

/** A free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer()
    srv.once('error', fail)
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address()
      const port = typeof a === 'object' && a ? a.port : 0
      srv.close(() => ok(port))
    })
  })
}

async function waitForPort(port: number, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const up = await new Promise<boolean>((ok) => {
      const s = new Socket()
      s.once('connect', () => {
        s.destroy()
        ok(true)
      })
      s.once('error', () => ok(false))
      s.connect(port, '127.0.0.1')
    })
    if (up) return
    await sleep(50)
  }
  throw new Error(`${what} did not listen on 127.0.0.1:${port} within ${timeoutMs} ms`)
}

/** Spawns `cmd` and keeps the tail of its stderr. */
export function launch(
  name: string,
  cmd: string,
  args: string[],
  env: Record<string, string | undefined> = process.env,
): BenchProcess {
  const child = spawn(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'] })
  let err = ''
  child.stderr?.on('data', (d: Buffer) => {
    err = (err + d.toString()).slice(-8000)
  })
  const exited = new Promise<void>((ok) => child.once('exit', () => ok()))
  return {
    name,
    child,
    tail: () => err,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000)
      await exited
      clearTimeout(t)
    },
  }
}

/** nats-server with JetStream on a free port, its store in a temp dir. */
export async function natsServer(): Promise<{ url: string; stop(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'lunettes-bench-nats-'))
  const port = await freePort()
  const p = launch('nats-server', 'nats-server', [
    '-a',
    '127.0.0.1',
    '-p',
    String(port),
    '-js',
    '-sd',
    dir,
  ])
  await waitForPort(port, 'nats-server')
  return {
    url: `nats://127.0.0.1:${port}`,
    async stop() {
      await p.stop()
      await rm(dir, { recursive: true, force: true })
    },
  }
}

/** redis-server without persistence on a free port. */
export async function redisServer(): Promise<{ url: string; stop(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'lunettes-bench-redis-'))
  const port = await freePort()
  const p = launch('redis-server', 'redis-server', [
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
  ])
  await waitForPort(port, 'redis-server')
  return {
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      await p.stop()
      await rm(dir, { recursive: true, force: true })
    },
  }
}

const CLI = resolve('dist/tools/cli.js')

/** A `lunettes <role>` process from the built CLI; resolves once `readyUrl` answers 200. */
export async function lunettes(
  name: string,
  args: string[],
  env: Record<string, string | undefined>,
  readyUrl: string,
  headers: Record<string, string> = {},
  nodeFlags: readonly string[] = ['--max-old-space-size=4096'],
): Promise<BenchProcess> {
  const p = launch(name, process.execPath, [...nodeFlags, CLI, ...args], {
    ...process.env,
    LOG_LEVEL: 'warn',
    ...env,
  })
  const deadline = Date.now() + 30_000
  while (Date.now() < deadline) {
    if (p.child.exitCode !== null) throw new Error(`${name} exited: ${p.tail()}`)
    const ok = await fetch(readyUrl, { headers }).then(
      (r) => r.status === 200,
      () => false,
    )
    if (ok) return p
    await sleep(100)
  }
  await p.stop()
  throw new Error(`${name} not ready at ${readyUrl} within 30 s: ${p.tail()}`)
}

/** Resident set size of a process, MB (Linux /proc). */
export async function rssMB(pid: number | undefined): Promise<number> {
  if (pid === undefined) return Number.NaN
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '')
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1])
  return Math.round(kb / 1024)
}
