import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'
import { podLifecycle } from './audit-fixtures.ts'
import { micros } from './audit-fixtures-base.ts'
import { cliCommand, stopChild } from './hosts.ts'

/** A `lunettes <role>` child process whose stdout and stderr are kept for the test to read. */
export interface RoleProcess {
  readonly child: ChildProcess
  /** Everything it wrote so far (stdout and stderr). */
  output(): string
  /** Resolves with the exit code once it exited. */
  readonly exited: Promise<number | null>
  stop(): Promise<void>
}

/** Starts `lunettes <role>` with exactly `env` on top of PATH/HOME (no inherited NATS_/REDIS_). */
export function spawnRole(role: string, env: Record<string, string>): RoleProcess {
  const base: Record<string, string> = {}
  for (const k of ['PATH', 'HOME', 'TMPDIR', 'NODE_OPTIONS']) {
    const v = process.env[k]
    if (v !== undefined) base[k] = v
  }
  const child = spawn(process.execPath, [...cliCommand(), role], {
    env: { ...base, LOG_LEVEL: 'info', LUNETTES_METRICS_ADDR: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let text = ''
  const keep = (d: Buffer) => {
    text += d.toString()
    if (process.env.LUNETTES_TEST_VERBOSE) process.stderr.write(d)
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  const exited = once(child, 'exit').then(([code]) => code as number | null)
  return { child, output: () => text, exited, stop: () => stopChild(child) }
}

/** Waits until `GET url` answers 200 (or fails after `timeoutMs`). */
export async function waitHttp(url: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const res = await fetch(url).catch(() => null)
    if (res?.ok) return
    await sleep(100)
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs} ms`)
}

/** A pod whose full lifecycle the test posts through the webhook. */
export function testPod(n: number) {
  return {
    namespace: 'shop',
    name: `secure-${n}-5c6d7e8f9a-x1y2z`,
    uid: `5ec0e000-1c3e-4a5b-8d7f-0e1a2b3c${String(n).padStart(4, '0')}`,
    node: 'worker-1',
    nodeIP: '10.0.1.21',
    podIP: '10.244.1.7',
    owner: { kind: 'ReplicaSet', name: `secure-${n}-5c6d7e8f9a` },
    createdAt: micros('2024-05-14T09:00:00.100000Z'),
  }
}

/** Posts the pod's audit lifecycle to the gateway's webhook; returns the HTTP status. */
export async function postPod(base: string, token: string, n: number): Promise<number> {
  const res = await fetch(`${base}/audit/webhook`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      kind: 'EventList',
      apiVersion: 'audit.k8s.io/v1',
      metadata: {},
      items: podLifecycle(testPod(n)),
    }),
  })
  await res.arrayBuffer()
  return res.status
}

/** Polls debugpod for the pod until it answers 200 with its uid (or the deadline). */
export async function debugpodOf(base: string, n: number, timeoutMs = 20_000): Promise<unknown> {
  const { uid } = testPod(n)
  const deadline = Date.now() + timeoutMs
  let last = 0
  while (Date.now() < deadline) {
    const res = await fetch(`${base}/api/v1/debugpod?uid=${uid}`).catch(() => null)
    last = res?.status ?? 0
    if (res?.status === 200) {
      const body = (await res.json()) as { uid?: string }
      if (body.uid === uid) return body
    } else {
      await res?.arrayBuffer()
    }
    await sleep(150)
  }
  throw new Error(`debugpod ${uid} never answered 200 (last ${last})`)
}
