import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer, Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'

/** A real server process started for a test, on loopback. */
export interface TestServer {
  readonly url: string
  readonly port: number
  readonly dir: string
  readonly process: ChildProcess
  /** SIGKILL (crash) or SIGTERM, then wait for the exit. */
  stop(signal?: NodeJS.Signals): Promise<void>
  /** Stop, stay down `downMs` (default 0), then start again on the same port and data directory. */
  restart(downMs?: number): Promise<void>
}

/** A free TCP port on 127.0.0.1 (asked from the kernel, then released). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address()
      const port = typeof addr === 'object' && addr ? addr.port : 0
      srv.close(() => resolve(port))
    })
  })
}

/** Resolves once something accepts TCP connections on 127.0.0.1:`port` (plain sockets, no client). */
export async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = new Socket()
      s.once('connect', () => {
        s.destroy()
        resolve(true)
      })
      s.once('error', () => resolve(false))
      s.connect(port, '127.0.0.1')
    })
    if (ok) return
    await sleep(50)
  }
  throw new Error(`server on port ${port} did not come up within ${timeoutMs} ms`)
}

function kill(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  stopping.add(child)
  child.kill(signal)
  return exited(child)
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => child.once('exit', () => resolve()))
}

const stopping = new WeakSet<ChildProcess>()

function launch(cmd: string, args: string[], dir: string): ChildProcess {
  const child = spawn(cmd, args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] })
  let err = ''
  child.stderr?.on('data', (d: Buffer) => {
    err = (err + d.toString()).slice(-4000)
  })
  child.once('exit', (code, signal) => {
    if (code && code !== 0 && signal === null && !stopping.has(child)) {
      process.stderr.write(`${cmd} exited with ${code}: ${err}\n`)
    }
  })
  return child
}

/** Extra settings of `startNats`. */
export interface NatsServerOptions {
  /**
   * nats-server config text (e.g. `authorization { users = [...] }`, `tls { ... }`), written to
   * `server.conf` in the server's dir and passed with `-c`; the listen address, port, JetStream
   * and store dir still come from the command line.
   */
  readonly conf?: string
  /** URL scheme the `url` getter uses (default `nats`); `tls` for a TLS-only server. */
  readonly scheme?: string
}

/**
 * Starts `nats-server` with JetStream on a free port (the nats.js `nst` way: `-p -1` and a ports
 * file), storing in a fresh temp dir. Restart keeps the port and the JetStream store.
 */
export async function startNats(opts: NatsServerOptions = {}): Promise<TestServer> {
  const dir = await mkdtemp(join(tmpdir(), 'lunettes-nats-'))
  const confArgs: string[] = []
  if (opts.conf !== undefined) {
    await writeFile(join(dir, 'server.conf'), opts.conf)
    confArgs.push('-c', join(dir, 'server.conf'))
  }
  let port = 0
  const start = async (): Promise<ChildProcess> => {
    const args = [
      ...confArgs,
      ...['-a', '127.0.0.1', '-p', port === 0 ? '-1' : String(port), '-js', '-sd', dir],
    ]
    const child = launch('nats-server', [...args, '--ports_file_dir', dir], dir)
    if (port === 0) {
      const deadline = Date.now() + 10_000
      while (port === 0 && Date.now() < deadline) {
        const file = (await readdir(dir)).find((f) => f.endsWith('.ports'))
        if (file) {
          const ports = JSON.parse(await readFile(join(dir, file), 'utf8')) as { nats?: string[] }
          port = Number(new URL(ports.nats?.[0] ?? 'nats://x:0').port)
        } else {
          await sleep(25)
        }
      }
    }
    await waitForPort(port)
    return child
  }
  return handle(
    start,
    () => `${opts.scheme ?? 'nats'}://127.0.0.1:${port}`,
    () => port,
    dir,
  )
}

/** Extra settings of `startRedis`. */
export interface RedisServerOptions {
  /** Append-only persistence (fsync always), so a restart loses nothing. */
  readonly aof?: boolean
  /** More redis-server arguments, e.g. `['--requirepass', pw]`, `['--user', 'u', 'on', ...]`. */
  readonly args?: readonly string[]
  /**
   * TLS only (`--port 0 --tls-port`): PEM files of the server and of the CA that signed the
   * clients' certificates; `authClients` (default `yes`) asks for a client certificate.
   */
  readonly tls?: { cert: string; key: string; ca: string; authClients?: 'yes' | 'no' | 'optional' }
}

/**
 * Starts `redis-server` on a free port in a fresh temp dir. With `aof`, append-only persistence is
 * on (fsync always) so a restart loses nothing. `args` and `tls` add authentication and TLS; the
 * URL is then `rediss://`.
 */
export async function startRedis(opts: RedisServerOptions = {}): Promise<TestServer> {
  const { aof = false, tls } = opts
  const dir = await mkdtemp(join(tmpdir(), 'lunettes-redis-'))
  const port = await freePort()
  const start = async (): Promise<ChildProcess> => {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '']
    const persist = aof
      ? ['--appendonly', 'yes', '--appendfsync', 'always']
      : ['--appendonly', 'no']
    const secure = tls
      ? [
          ...['--port', '0', '--tls-port', String(port)],
          ...['--tls-cert-file', tls.cert, '--tls-key-file', tls.key],
          ...['--tls-ca-cert-file', tls.ca, '--tls-auth-clients', tls.authClients ?? 'yes'],
        ]
      : []
    const child = launch(
      'redis-server',
      [...args, ...persist, ...secure, ...(opts.args ?? [])],
      dir,
    )
    await waitForPort(port)
    return child
  }
  return handle(
    start,
    () => `${tls ? 'rediss' : 'redis'}://127.0.0.1:${port}`,
    () => port,
    dir,
  )
}

/** A started server process behind `TestServer`: stop, and restart on the same port and dir. */
async function handle(
  start: () => Promise<ChildProcess>,
  url: () => string,
  port: () => number,
  dir: string,
): Promise<TestServer> {
  let child = await start()
  const server: TestServer = {
    get url() {
      return url()
    },
    get port() {
      return port()
    },
    dir,
    get process() {
      return child
    },
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      await kill(child, signal)
    },
    async restart(downMs = 0) {
      await server.stop('SIGTERM')
      if (downMs > 0) await sleep(downMs)
      child = await start()
    },
  }
  return server
}

/** Stops a server and removes its data directory. */
export async function dispose(server: TestServer | undefined): Promise<void> {
  if (!server) return
  await server.stop('SIGKILL')
  await rm(server.dir, { recursive: true, force: true })
}

/**
 * A nats-server and a redis-server for the calling test file: started before its tests, stopped
 * and removed after them. Reading one before it started throws.
 */
export function useServers(opts: { aof?: boolean } = {}): {
  readonly nats: TestServer
  readonly redis: TestServer
} {
  let nats: TestServer | undefined
  let redis: TestServer | undefined
  before(async () => {
    nats = await startNats()
    redis = await startRedis(opts)
  })
  after(async () => {
    await dispose(nats)
    await dispose(redis)
  })
  const started = (server: TestServer | undefined, what: string): TestServer => {
    if (!server) throw new Error(`${what} has not started (useServers runs in before())`)
    return server
  }
  return {
    get nats() {
      return started(nats, 'nats-server')
    },
    get redis() {
      return started(redis, 'redis-server')
    },
  }
}
