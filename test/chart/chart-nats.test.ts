import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { NATS_PERMISSIONS, type NatsRole } from '../support/nats-permissions.ts'
import { find, type Manifest, podTemplates, rendered } from './chart-support.ts'

const ROLES: readonly NatsRole[] = ['gateway', 'collector', 'actors']

/** The bundled NATS's nats.conf, made runnable here (loopback, a free port, a temp store). */
function natsConf(docs: Manifest[]): string {
  const cm = find(docs, 'ConfigMap', 'rel-lunettes-nats')[0]
  assert.ok(cm, 'the NATS ConfigMap')
  return String(cm.data['nats.conf'])
}

/** `{ user: "<role>", … permissions: { publish: { allow: [...] }, subscribe: { allow: [...] } } }`. */
function allowLists(conf: string, role: string): { publish: string[]; subscribe: string[] } {
  const line = conf.split('\n').find((l) => l.includes(`user: "${role}"`))
  assert.ok(line, `a NATS user for ${role}`)
  const lists = [...line.matchAll(/allow: \[([^\]]*)\]/g)].map((m) =>
    (m[1] ?? '').split(', ').map((s) => JSON.parse(s) as string),
  )
  return { publish: lists[0] ?? [], subscribe: lists[1] ?? [] }
}

describe('rendered chart: the bundled NATS gives each role its own user', () => {
  const docs = rendered('default')
  const conf = natsConf(docs)

  it('each role user has exactly the documented permission sets (the sets the pipeline test runs with)', () => {
    for (const role of ROLES) {
      const got = allowLists(conf, role)
      assert.deepEqual(got.publish.sort(), [...NATS_PERMISSIONS[role].publish].sort(), role)
      assert.deepEqual(got.subscribe.sort(), [...NATS_PERMISSIONS[role].subscribe].sort(), role)
    }
  })

  it('nats-server accepts the rendered configuration', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lunettes-chart-nats-'))
    try {
      const file = join(dir, 'nats.conf')
      writeFileSync(
        file,
        conf
          .replace('listen: 0.0.0.0:4222', 'listen: 127.0.0.1:-1')
          .replace('http: 0.0.0.0:8222', '')
          .replace('store_dir: /data', `store_dir: ${dir}`),
      )
      const env = { ...process.env, POD_NAME: 'nats-0', NATS_PASSWORD: 'p' }
      for (const role of ROLES)
        Object.assign(env, { [`NATS_PASSWORD_${role.toUpperCase()}`]: role })
      const r = spawnSync('nats-server', ['-c', file, '-t'], { env, encoding: 'utf8' })
      assert.equal(r.status, 0, `${r.stdout}${r.stderr}`)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('every workload connects as its role, with its own password key; the Secret holds them', () => {
    const roleOf: Record<string, NatsRole> = {
      'rel-lunettes-gateway': 'gateway',
      'rel-lunettes-collect': 'collector',
      'rel-lunettes-actors': 'actors',
    }
    const seen = new Set<string>()
    for (const { owner, pod } of podTemplates(docs)) {
      const role = roleOf[owner.metadata.name]
      if (!role) continue
      seen.add(role)
      const env = pod.spec.containers[0].env as Manifest[]
      assert.equal(env.find((e) => e.name === 'NATS_USER')?.value, role, owner.metadata.name)
      const pw = env.find((e) => e.name === 'NATS_PASSWORD')
      assert.equal(pw?.valueFrom?.secretKeyRef?.key, `nats-password-${role}`, owner.metadata.name)
    }
    assert.deepEqual([...seen].sort(), ['actors', 'collector', 'gateway'])
    const secret = find(docs, 'Secret', 'rel-lunettes-secrets')[0]
    for (const role of ROLES) assert.ok(secret?.data[`nats-password-${role}`], role)
  })
})
