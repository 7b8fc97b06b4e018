import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { createDecider } from '../../actors/lifecycle/decide.ts'
import { createDiagnose } from '../../actors/lifecycle/diagnosis-hook.ts'
import { serveQueries } from '../../actors/query/query-service.ts'
import type { Subscription } from '../../actors/runtime/bus/bus.ts'
import { NatsBus } from '../../actors/runtime/bus/nats-bus.ts'
import { ActorHost } from '../../actors/runtime/host/actor-host.ts'
import { RedisStore } from '../../actors/runtime/store/redis-store.ts'
import { DEFAULT_SLO_CONFIG } from '../../config/slo-config.ts'
import { type RunningGateway, startGateway } from '../../gateway/main.ts'
import type { GatewayBus } from '../../gateway/ports.ts'
import { podLifecycle } from '../support/audit-fixtures.ts'
import { dispose, freePort, startRedis, type TestServer } from '../support/servers.ts'

/** The server's `max_payload`: small, so a reply of a few hundred pods passes it. */
const MAX_PAYLOAD = 64 * 1024
const START_US = Date.parse('2024-05-14T09:00:00Z') * 1000
const PODS = 400
const config = DEFAULT_SLO_CONFIG
const diagnose = createDiagnose(config)
const quiet = { info() {}, warn() {}, error() {} }

let dir = ''
let natsProcess: ChildProcess | undefined
let redis: TestServer | undefined
let bus: NatsBus | undefined
let store: RedisStore | undefined
let host: ActorHost | undefined
let subs: Subscription[] = []
let gw: RunningGateway | undefined

/** nats-server with JetStream and `max_payload: 64 KiB` (a config file: there is no flag). */
async function startSmallNats(): Promise<string> {
  dir = await mkdtemp(join(tmpdir(), 'lunettes-nats-small-'))
  const port = await freePort()
  const conf = join(dir, 'nats.conf')
  await writeFile(
    conf,
    `listen: 127.0.0.1:${port}\nmax_payload: ${MAX_PAYLOAD}\njetstream { store_dir: "${dir}" }\n`,
  )
  natsProcess = spawn('nats-server', ['-c', conf], { stdio: 'ignore' })
  const url = `nats://127.0.0.1:${port}`
  for (let i = 0; i < 200; i++) {
    try {
      const probe = await NatsBus.connect(url)
      await probe.close()
      return url
    } catch {
      await sleep(50)
    }
  }
  throw new Error('nats-server with a small max_payload did not start')
}

before(async () => {
  const url = await startSmallNats()
  redis = await startRedis()
  bus = await NatsBus.connect(url)
  store = RedisStore.connect(redis.url, `ovl${randomUUID().slice(0, 8)}:`)
  host = new ActorHost({
    bus,
    store,
    decide: createDecider({ config, diagnose }),
    mode: 'live',
    partitions: 4,
    hostId: 'overload-payload',
    now: () => START_US,
  })
  await host.start()
  // The query service is told the server's limit, as the actors' wiring passes the bus's.
  subs = serveQueries({
    bus,
    store,
    config,
    diagnose,
    now: () => START_US,
    maxReplyBytes: MAX_PAYLOAD - 4096,
  })
  const nb = bus
  // The bus port's maxPayload(), as the NATS bus reports `info.max_payload` once wired.
  const port: GatewayBus = {
    publish: (m) => nb.publish(m),
    request: (s, d, t) => nb.request(s, d, t),
    maxPayload: () => MAX_PAYLOAD,
  }
  gw = await startGateway({
    addr: '127.0.0.1:0',
    bus: port,
    partitions: 4,
    ignoredNamespaces: new Set(),
    webhook: {},
    queryTimeoutMs: 5000,
    limits: { queryRate: 0 },
    log: quiet,
  })
})

after(async () => {
  await gw?.close()
  await Promise.all(subs.map((s) => s.close()))
  await host?.stop()
  await bus?.close()
  await store?.close()
  natsProcess?.kill('SIGKILL')
  await dispose(redis)
  await rm(dir, { recursive: true, force: true })
})

const base = () => `http://127.0.0.1:${gw?.port ?? 0}`

describe('query replies on a bus with a 64 KiB max_payload (real NATS + Redis)', () => {
  it('a debugslo whose reply would pass the payload answers a shortened page with next, not 504', async () => {
    const items = Array.from({ length: PODS }, (_, i) =>
      podLifecycle({
        namespace: 'shop',
        name: `web-${i}`,
        uid: randomUUID(),
        node: 'worker-1',
        nodeIP: '10.0.0.1',
        podIP: `10.244.${i >> 8}.${i & 255}`,
        owner: { kind: 'ReplicaSet', name: 'web' },
        createdAt: START_US + i * 100_000,
      }),
    ).flat()
    for (let i = 0; i < items.length; i += 400) {
      const res = await fetch(`${base()}/audit/webhook`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          kind: 'EventList',
          apiVersion: 'audit.k8s.io/v1',
          items: items.slice(i, i + 400),
        }),
      })
      assert.equal(res.status, 200)
    }
    const url = `${base()}/api/v1/debugslo?namespace=shop&from=2024-05-14T08:00:00Z&to=2024-05-14T12:00:00Z&limit=5000`
    let body: { next?: string | null; pods?: unknown[]; counts?: { total: number } } = {}
    let status = 0
    let bytes = 0
    const deadline = Date.now() + 30_000
    while (Date.now() < deadline) {
      const res = await fetch(url)
      status = res.status
      const text = await res.text()
      bytes = Buffer.byteLength(text)
      body = JSON.parse(text) as typeof body
      if (status === 200 && body.counts?.total === PODS) break
      await sleep(200)
    }
    assert.equal(status, 200, JSON.stringify(body).slice(0, 300))
    assert.equal(body.counts?.total, PODS, 'every pod folded and counted')
    // The page is shortened to what the bus carries, and `next` continues right after it.
    assert.ok(body.next, 'a shortened page points at the rest')
    assert.ok((body.pods?.length ?? 0) > 0 && (body.pods?.length ?? 0) < PODS)
    assert.ok(bytes <= MAX_PAYLOAD, `${bytes} bytes`)
  })
})
