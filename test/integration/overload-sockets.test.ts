import assert from 'node:assert/strict'
import { request } from 'node:http'
import { connect, type Socket } from 'node:net'
import { describe, it, type TestContext } from 'node:test'
import { Registry } from 'prom-client'
import { EmbeddedBus } from '../../actors/runtime/bus/embedded-bus.ts'
import { type RunningGateway, startGateway } from '../../gateway/main.ts'
import type { HttpLimits } from '../../gateway/server-timeouts.ts'

const quiet = { info() {}, warn() {}, error() {} }

async function gateway(
  t: TestContext,
  http: HttpLimits,
  registry?: Registry,
): Promise<RunningGateway> {
  const bus = new EmbeddedBus()
  const gw = await startGateway({
    ...(registry ? { registry } : {}),
    addr: '127.0.0.1:0',
    bus,
    partitions: 4,
    ignoredNamespaces: new Set(),
    webhook: { token: 't' },
    http,
    log: quiet,
  })
  t.after(async () => {
    await gw.close()
    await bus.close()
  })
  return gw
}

/** What a raw client saw: the bytes it got and when the server closed on it (ms after open). */
interface RawClient {
  readonly socket: Socket
  received: string
  closedAfterMs: number | undefined
  readonly closed: Promise<void>
}

/** A raw TCP client that sends `head` and then one header line every `trickleMs`, never ending. */
function slowClient(port: number, head: string, trickleMs: number): RawClient {
  const socket = connect(port, '127.0.0.1')
  const opened = Date.now()
  let timer: ReturnType<typeof setInterval> | undefined
  const client: RawClient = {
    socket,
    received: '',
    closedAfterMs: undefined,
    closed: new Promise<void>((resolve) => {
      socket.once('close', () => {
        clearInterval(timer)
        client.closedAfterMs = Date.now() - opened
        resolve()
      })
    }),
  }
  socket.on('error', () => {
    // ECONNRESET when the server drops us: 'close' follows and is what the tests look at.
  })
  socket.on('data', (d: Buffer) => {
    client.received += d.toString()
  })
  socket.once('connect', () => {
    if (head) socket.write(head)
    if (trickleMs > 0) {
      let n = 0
      timer = setInterval(() => socket.write(`x-slow-${n++}: 1\r\n`), trickleMs)
    }
  })
  return client
}

/** GET on a new connection (no keep-alive agent): status, headers, body. */
function get(
  port: number,
  path: string,
): Promise<{ status: number; retryAfter: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      res.resume()
      res.once('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          retryAfter: res.headers['retry-after'] as string | undefined,
        }),
      )
    })
    req.once('error', reject)
    req.end()
  })
}

async function until(check: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

describe('slow clients and the connection cap (real sockets, embedded bus)', () => {
  it('a client trickling its headers is disconnected within the header timeout (500 ms)', async (t) => {
    const gw = await gateway(t, {
      headersTimeoutMs: 500,
      requestTimeoutMs: 2000,
      checkIntervalMs: 100,
    })
    const trickler = slowClient(gw.port, 'GET /healthz HTTP/1.1\r\nhost: a\r\n', 50)
    const silent = slowClient(gw.port, '', 0)
    await Promise.all([trickler.closed, silent.closed])
    for (const c of [trickler, silent]) {
      // 500 ms timeout + 100 ms check interval; the margin is for a loaded 2-core machine.
      assert.ok((c.closedAfterMs ?? Infinity) < 3000, `closed after ${c.closedAfterMs} ms`)
    }
    assert.match(trickler.received, /^HTTP\/1\.1 408/, 'Node answers 408 before closing')
  })

  it('a client trickling its body is disconnected within the request timeout (1 s)', async (t) => {
    const gw = await gateway(t, {
      headersTimeoutMs: 500,
      requestTimeoutMs: 1000,
      checkIntervalMs: 100,
    })
    const head =
      'POST /audit/webhook HTTP/1.1\r\nhost: a\r\nauthorization: Bearer t\r\n' +
      'content-type: application/json\r\ncontent-length: 100000\r\n\r\n{"items":['
    const body = connect(gw.port, '127.0.0.1')
    const opened = Date.now()
    body.on('error', () => {})
    body.write(head)
    const timer = setInterval(() => body.write(' '), 50)
    await new Promise<void>((resolve) => body.once('close', () => resolve()))
    clearInterval(timer)
    assert.ok(Date.now() - opened < 4000, `closed after ${Date.now() - opened} ms`)
  })

  it('200 concurrent slow clients do not stop /healthz', async (t) => {
    const gw = await gateway(t, { headersTimeoutMs: 10_000, checkIntervalMs: 1000 })
    const clients = Array.from({ length: 200 }, () =>
      slowClient(gw.port, 'GET /api/v1/debugpod?uid=x HTTP/1.1\r\nhost: a\r\n', 200),
    )
    t.after(() => {
      for (const c of clients) c.socket.destroy()
    })
    await until(() => clients.every((c) => c.socket.readyState === 'open'), '200 connections')
    for (let i = 0; i < 5; i++) {
      assert.equal((await get(gw.port, '/healthz')).status, 200, `healthz ${i}`)
    }
    assert.ok(
      clients.every((c) => c.closedAfterMs === undefined),
      'the slow clients are still connected: healthz was answered beside them',
    )
  })

  it('past the connection cap, probes still answer from the reserve and other paths get 503 + Retry-After', async (t) => {
    const registry = new Registry()
    const gw = await gateway(
      t,
      { maxConnections: 5, probeReserve: 3, checkIntervalMs: 1000 },
      registry,
    )
    const hogs = Array.from({ length: 5 }, () =>
      slowClient(gw.port, 'GET /healthz HTTP/1.1\r\n', 200),
    )
    t.after(() => {
      for (const c of hogs) c.socket.destroy()
    })
    await until(() => hogs.every((c) => c.socket.readyState === 'open'), '5 connections')
    // The server counts a connection once it accepted it: give it the time to see all five.
    await new Promise((r) => setTimeout(r, 50))
    assert.equal((await get(gw.port, '/healthz')).status, 200)
    assert.equal((await get(gw.port, '/readyz')).status, 200)
    // `/nope` is a 404 below the cap: a 503 here is the cap's answer.
    const refused = await get(gw.port, '/nope')
    assert.equal(refused.status, 503)
    assert.equal(refused.retryAfter, '1')
    const counted = await registry.getSingleMetric('lunettes_http_refused_total')?.get()
    assert.deepEqual(
      counted?.values.map((v) => [v.labels, v.value]),
      [[{ route: 'http', reason: 'connections' }, 1]],
    )
    const more = Array.from({ length: 3 }, () => slowClient(gw.port, '', 0))
    t.after(() => {
      for (const c of more) c.socket.destroy()
    })
    await until(() => more.every((c) => c.socket.readyState === 'open'), 'the reserve')
    const beyond = slowClient(gw.port, '', 0)
    await beyond.closed
    assert.ok((beyond.closedAfterMs ?? Infinity) < 3000, 'past cap + reserve, Node closes at once')
    for (const c of hogs) c.socket.destroy()
    await until(() => hogs.every((c) => c.closedAfterMs !== undefined), 'hogs gone')
    await new Promise((r) => setTimeout(r, 50))
    assert.equal(
      (await get(gw.port, '/nope')).status,
      404,
      'below the cap again, every path is served',
    )
  })
})
