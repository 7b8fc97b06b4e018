import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { after, describe, it } from 'node:test'
import { realdata } from '../support/realdata.ts'

// The edge-style core must run unchanged on Deno (npm package `deno`): the pure test subset runs
// under `deno test`, and the built CLI replays the same inputs on both runtimes byte for byte.
const DENO = resolve('node_modules/.bin/deno')
const CLI = resolve('dist/tools/cli.js')
const env = { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' }

function jsTests(dir: string): string[] {
  const out: string[] = []
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) out.push(...jsTests(path))
    else if (name.endsWith('.test.js')) out.push(path)
  }
  return out.sort()
}

function replay(runtime: 'node' | 'deno', inputs: string[], output: string) {
  const args = inputs.flatMap((i) => ['--input', i])
  const cmd = runtime === 'node' ? process.execPath : DENO
  const pre = runtime === 'node' ? [CLI] : ['run', '-A', '--no-check', CLI]
  const r = spawnSync(cmd, [...pre, 'replay', ...args, '--output', output], {
    env,
    encoding: 'utf8',
    timeout: 120_000,
  })
  assert.equal(r.status, 0, `${runtime} replay failed: ${r.stderr}`)
  return r.stderr
}

describe('Deno runs the core and the CLI exactly as Node does', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lunettes-deno-'))
  after(() => rmSync(dir, { recursive: true, force: true }))

  it('the deno binary from npm is present (a missing runtime fails, never skips)', () => {
    assert.ok(existsSync(DENO), `${DENO} missing: run npm ci`)
    const r = spawnSync(DENO, ['--version'], { env, encoding: 'utf8' })
    assert.equal(r.status, 0, r.stderr)
    assert.match(r.stdout, /^deno \d+\.\d+/)
  })

  it('the pure test subset (protocol, config, lifecycle) passes under deno test', () => {
    const files = ['dist/test/protocol', 'dist/test/config', 'dist/test/actors/lifecycle'].flatMap(
      jsTests,
    )
    assert.ok(files.length > 20, `expected the core test files, found ${files.length}`)
    const r = spawnSync(DENO, ['test', '-A', '--no-check', ...files], {
      env,
      encoding: 'utf8',
      timeout: 300_000,
      maxBuffer: 64 * 1024 * 1024,
    })
    const summary = /(ok|FAILED) \| (\d+) passed.*\| (\d+) failed/.exec(r.stdout)
    assert.equal(r.status, 0, `deno test failed:\n${r.stdout.slice(-4000)}\n${r.stderr}`)
    assert.ok(summary && Number(summary[2]) > 0 && summary[3] === '0', r.stdout.slice(-2000))
  })

  const cases: [string, string[]][] = [
    [
      'openshift metal',
      [
        realdata('events/openshift-ci-metal-2021-09-14.events.jsonl'),
        realdata('events/openshift-ci-metal-2021-09-14.pods.jsonl'),
      ],
    ],
    [
      'openshift vsphere',
      [
        realdata('events/openshift-ci-vsphere-2021-09-14.events.jsonl'),
        realdata('events/openshift-ci-vsphere-2021-09-14.pods.jsonl'),
      ],
    ],
    ['kspan recording', [realdata('events/kspan-kind-deployment-2-pods.yaml')]],
    ['falco audit', [realdata('audit/falco-minikube-2018-pod-events.jsonl')]],
    [
      'audit fixtures',
      ['test/fixtures/audit/happy-pod.jsonl', 'test/fixtures/audit/mixed-pods.jsonl'],
    ],
  ]
  for (const [name, inputs] of cases) {
    it(`replay of ${name} is byte-identical on Node and Deno`, () => {
      const slug = name.replace(/\W+/g, '-')
      const n = join(dir, `${slug}.node.jsonl`)
      const d = join(dir, `${slug}.deno.jsonl`)
      const nodeSummary = replay('node', inputs, n)
      const denoSummary = replay('deno', inputs, d)
      const a = readFileSync(n)
      const b = readFileSync(d)
      assert.ok(a.length > 0, `${name}: empty report file`)
      assert.ok(a.equals(b), `${name}: reports differ between Node and Deno`)
      assert.equal(denoSummary, nodeSummary)
    })
  }
})
