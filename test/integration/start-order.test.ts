import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { NatsBus } from '../../actors/runtime/bus/nats-bus.ts'
import { allSignalsSubject, SIGNALS_STREAM } from '../../protocol/subjects.ts'
import { podLifecycle } from '../support/audit-fixtures.ts'
import { micros } from '../support/audit-fixtures-base.ts'
import { cliCommand, readStream, stopChild } from '../support/hosts.ts'
import { dispose, freePort, startNats, type TestServer } from '../support/servers.ts'

let nats: TestServer | undefined
before(async () => {
  nats = await startNats()
})
after(() => dispose(nats))

const TOKEN = randomUUID()

describe('start order (real nats-server, lunettes gateway process)', () => {
  it('a gateway started before any actor host accepts the webhook: it created the signal stream', async (t) => {
    const port = await freePort()
    const gateway: ChildProcess = spawn(process.execPath, [...cliCommand(), 'gateway'], {
      env: {
        ...process.env,
        NATS_URL: nats?.url ?? '',
        LUNETTES_HTTP_ADDR: `127.0.0.1:${port}`,
        LUNETTES_WEBHOOK_TOKEN: TOKEN,
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    })
    t.after(() => stopChild(gateway))
    const base = `http://127.0.0.1:${port}`
    for (let i = 0; i < 100; i++) {
      const up = await fetch(`${base}/healthz`).catch(() => null)
      if (up?.ok) break
      await sleep(100)
    }
    const items = podLifecycle({
      namespace: 'shop',
      name: 'early-5c6d7e8f9a-x1y2z',
      uid: '7a7a7a7a-1c3e-4a5b-8d7f-0e1a2b3c0001',
      node: 'worker-1',
      nodeIP: '10.0.1.21',
      podIP: '10.244.1.7',
      owner: { kind: 'ReplicaSet', name: 'early-5c6d7e8f9a' },
      createdAt: micros('2024-05-14T09:00:00.100000Z'),
    })
    const res = await fetch(`${base}/audit/webhook`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        kind: 'EventList',
        apiVersion: 'audit.k8s.io/v1',
        metadata: {},
        items,
      }),
    })
    assert.ok(res.ok, `webhook answered ${res.status}: ${await res.text()}`)
    const bus = await NatsBus.connect(nats?.url ?? '')
    t.after(() => bus.close())
    const stored = await readStream(bus, SIGNALS_STREAM, allSignalsSubject)
    assert.ok(stored.length > 0, 'the signals wait in the stream for the actor hosts')
  })
})
