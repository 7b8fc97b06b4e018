import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { createDiagnose } from '../../actors/lifecycle/diagnosis-hook.ts'
import { DEFAULT_SLO_CONFIG } from '../../config/slo-config.ts'
import type { AuditEvent } from '../../protocol/k8s-audit.ts'
import type { PodReport } from '../../protocol/pod-report.ts'
import { runReplay } from '../../tools/replay/replay.ts'
import { neverBoundDeleted } from '../support/audit-fixtures.ts'
import { micros } from '../support/audit-fixtures-base.ts'
import {
  crashedAndRestarted,
  podFailedWith,
  waitingFailure,
} from '../support/audit-fixtures-status.ts'
import type { ScenarioInput } from '../support/audit-fixtures-steps.ts'
import { realdata } from '../support/realdata.ts'

let dir = ''

/** Drops every Event: core/v1 and events.k8s.io objects, and audit records on `events`. */
function isEvent(obj: Record<string, unknown>): boolean {
  const ref = obj.objectRef as { resource?: string } | undefined
  if (ref?.resource === 'events') return true
  const api = String(obj.apiVersion ?? '')
  return obj.kind === 'Event' && (api === 'v1' || api.startsWith('events.k8s.io/'))
}

async function withoutEvents(path: string, name: string): Promise<string> {
  const lines = (await readFile(path, 'utf8')).split('\n').filter((l) => l.trim() !== '')
  const kept = lines.filter((l) => !isEvent(JSON.parse(l) as Record<string, unknown>))
  const out = join(dir, name)
  await writeFile(out, kept.join('\n'))
  return out
}

async function replay(inputs: string[]): Promise<Map<string, PodReport>> {
  const { reports } = await runReplay({
    inputs,
    config: DEFAULT_SLO_CONFIG,
    diagnose: createDiagnose(DEFAULT_SLO_CONFIG),
  })
  return new Map(reports.map((r) => [r.name, r]))
}

const STATUS_SOURCES = new Set(['container', 'condition', 'status'])

const input = (name: string, minute: number): ScenarioInput => ({
  namespace: 'shop',
  name,
  node: 'worker-1',
  nodeIP: '10.0.1.21',
  owner: { kind: 'ReplicaSet', name: name.slice(0, name.lastIndexOf('-')) },
  createdAt: micros(`2024-05-14T09:${String(minute).padStart(2, '0')}:00.120731Z`),
})

const IMG = 'registry.example.com/shop/app:1.0'
/** Synthetic pods, real kubelet wording; each row: the pod, its trail, the code status carries. */
const CASES: { name: string; trail: () => AuditEvent[]; code: string }[] = [
  {
    name: 'pull-backoff-1',
    code: 'ImagePullFailed',
    trail: () =>
      waitingFailure(
        input('pull-backoff-1', 1),
        'ImagePullBackOff',
        `Back-off pulling image "${IMG}"`,
        'Error: ImagePullBackOff',
      ),
  },
  {
    name: 'pull-notfound-1',
    code: 'ImageNotFound',
    trail: () => {
      const why = `rpc error: code = NotFound desc = failed to pull and unpack image "${IMG}": failed to resolve reference "${IMG}": ${IMG}: not found`
      return waitingFailure(
        input('pull-notfound-1', 2),
        'ErrImagePull',
        why,
        `Failed to pull image "${IMG}": ${why}`,
      )
    },
  },
  {
    name: 'config-error-1',
    code: 'ContainerConfigError',
    trail: () =>
      waitingFailure(
        input('config-error-1', 3),
        'CreateContainerConfigError',
        'secret "db-creds" not found',
        'Error: secret "db-creds" not found',
      ),
  },
  {
    name: 'create-error-1',
    code: 'ContainerCreateFailed',
    trail: () => {
      const why = 'failed to reserve container name "app_create-error-1_shop_0": name is reserved'
      return waitingFailure(
        input('create-error-1', 4),
        'CreateContainerError',
        why,
        `Error: ${why}`,
      )
    },
  },
  {
    name: 'crash-exit1-1',
    code: 'CrashLoopBackOff',
    trail: () => crashedAndRestarted(input('crash-exit1-1', 5), 'Error', 1),
  },
  {
    name: 'oom-1',
    code: 'OOMKilled',
    trail: () => crashedAndRestarted(input('oom-1', 6), 'OOMKilled', 137),
  },
  {
    name: 'unschedulable-1',
    code: 'Unschedulable.InsufficientResources',
    trail: () => neverBoundDeleted(input('unschedulable-1', 7), 600_000),
  },
  {
    name: 'rejected-1',
    code: 'KubeletRejected',
    trail: () =>
      podFailedWith(
        input('rejected-1', 8),
        'OutOfcpu',
        "Pod Node didn't have enough resource: cpu, requested: 4000, used: 3500, capacity: 4000",
      ),
  },
  {
    name: 'evicted-1',
    code: 'Evicted',
    trail: () =>
      podFailedWith(
        input('evicted-1', 9),
        'Evicted',
        'The node was low on resource: memory. Threshold quantity: 100Mi, available: 91716Ki.',
      ),
  },
]

describe('lossy Events: every code status carries comes out from status alone', () => {
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lunettes-no-events-'))
  })
  after(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('audit fixtures (audit-only input): same code with and without Events, status as evidence', async () => {
    const all = join(dir, 'status-cases.jsonl')
    const events = CASES.flatMap((c) => c.trail())
    await writeFile(all, events.map((e) => JSON.stringify(e)).join('\n'))
    const full = await replay([all])
    const bare = await replay([await withoutEvents(all, 'status-cases.no-events.jsonl')])
    for (const c of CASES) {
      const a = full.get(c.name)
      const b = bare.get(c.name)
      assert.ok(a && b, `no report for ${c.name}`)
      assert.ok(
        a.diagnosis?.findings.includes(c.code),
        `${c.name} with Events: ${a.diagnosis?.findings}`,
      )
      assert.ok(
        b.diagnosis?.findings.includes(c.code),
        `${c.name} without Events: ${b.diagnosis?.findings}`,
      )
      // The same primary either way (an OOM kill that crash-loops stays CrashLoopBackOff).
      assert.equal(b.diagnosis?.code, a.diagnosis?.code, c.name)
      const evidence = b.diagnosis?.evidence ?? []
      assert.ok(evidence.length > 0 && evidence.every((e) => e.source !== 'event'), c.name)
      assert.ok(
        evidence.some((e) => STATUS_SOURCES.has(e.source)),
        `${c.name}: ${JSON.stringify(evidence)}`,
      )
    }
  })

  it('the mixed-pods audit fixture: every pod keeps its verdict and code without its Events', async () => {
    const mixed = 'test/fixtures/audit/mixed-pods.jsonl'
    const full = await replay([mixed])
    const bare = await replay([await withoutEvents(mixed, 'mixed.no-events.jsonl')])
    assert.equal(bare.size, full.size)
    for (const [name, a] of full) {
      const b = bare.get(name)
      assert.equal(b?.slo.create.result, a.slo.create.result, name)
      assert.equal(b?.diagnosis?.code, a.diagnosis?.code, name)
    }
  })

  for (const cluster of ['metal', 'vsphere'] as const) {
    it(`real data, ${cluster} (watch-only input): restarted failed containers are CrashLoopBackOff from lastState`, async () => {
      const base = `events/openshift-ci-${cluster}-2021-09-14`
      const pods = realdata(`${base}.pods.jsonl`)
      const bare = await replay([
        await withoutEvents(realdata(`${base}.events.jsonl`), `${cluster}.events.none.jsonl`),
        await withoutEvents(pods, `${cluster}.pods.jsonl`),
      ])
      const full = await replay([realdata(`${base}.events.jsonl`), pods])
      const crashed: string[] = []
      for (const line of (await readFile(pods, 'utf8')).split('\n')) {
        if (line.trim() === '') continue
        const p = JSON.parse(line) as {
          metadata: { name: string }
          status?: {
            containerStatuses?: {
              restartCount: number
              lastState?: { terminated?: { exitCode: number; reason: string } }
            }[]
          }
        }
        const failed = (p.status?.containerStatuses ?? []).some((cs) => {
          const t = cs.lastState?.terminated
          return (
            cs.restartCount > 0 && t !== undefined && t.exitCode !== 0 && t.reason !== 'OOMKilled'
          )
        })
        if (failed) crashed.push(p.metadata.name)
      }
      assert.ok(crashed.length >= 10, `only ${crashed.length} restarted failed containers`)
      for (const name of crashed) {
        const b = bare.get(name)
        assert.ok(b, `no report for ${name}`)
        assert.ok(
          b.diagnosis?.findings.includes('CrashLoopBackOff'),
          `${name}: ${b.diagnosis?.findings}`,
        )
        assert.ok(
          full.get(name)?.diagnosis?.findings.includes('CrashLoopBackOff'),
          `${name} (full)`,
        )
        if (b.diagnosis?.code === 'CrashLoopBackOff') {
          assert.ok(
            b.diagnosis.evidence.some(
              (e) => e.source === 'container' && /lastTermination/.test(e.field ?? ''),
            ),
            `${name}: ${JSON.stringify(b.diagnosis.evidence)}`,
          )
        }
      }
    })
  }
})
