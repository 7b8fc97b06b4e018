import assert from 'node:assert/strict'
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { after, before, describe, it } from 'node:test'

/**
 * The README's quick start, run from a fresh `git clone` of this checkout in a temp folder with
 * no ../shared next to it (node_modules is symlinked instead of installed: no network). Only
 * committed files take part, so a sample or asset that was never committed fails here.
 */
describe('quick start from a fresh clone, without ../shared', () => {
  let dir = ''
  let demo: ChildProcess | undefined
  const env = {
    ...process.env,
    LUNETTES_REALDATA: '',
    npm_config_offline: 'true',
    npm_config_update_notifier: 'false',
    LOG_LEVEL: 'warn',
  }
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'lunettes-quickstart-'))
    execFileSync('git', ['clone', '--quiet', process.cwd(), join(dir, 'lunettes')])
    dir = join(dir, 'lunettes')
    assert.ok(!existsSync(resolve(dir, '../shared')), 'no ../shared next to the clone')
    symlinkSync(realpathSync('node_modules'), join(dir, 'node_modules'))
    execFileSync('npm', ['run', 'build'], { cwd: dir, env, stdio: 'ignore' })
  })
  after(() => {
    if (demo && demo.exitCode === null) demo.kill('SIGTERM')
    if (dir) rmSync(resolve(dir, '..'), { recursive: true, force: true })
  })

  it('npx lunettes replay --input examples/… prints a summary with every verdict', () => {
    const run = spawnSync(
      'npx',
      [
        'lunettes',
        'replay',
        '--input',
        'examples/sample-cluster.audit.jsonl.gz',
        '--output',
        'out/x.jsonl',
      ],
      { cwd: dir, env, encoding: 'utf8' },
    )
    assert.equal(run.status, 0, run.stderr)
    // The summary goes to stderr (stdout carries the reports with --output -).
    const out = run.stderr
    const pods = /pods (\d+): create ([^;]+);/.exec(out)
    assert.ok(pods, out)
    assert.ok(Number(pods[1]) >= 100, `only ${pods[1]} pods`)
    for (const verdict of ['success', 'late', 'failed', 'killed', 'incomplete']) {
      assert.match(pods[2] ?? '', new RegExp(`${verdict}=\\d+`), `${verdict} in ${out}`)
    }
    assert.match(out, /0 malformed/)
    assert.ok(existsSync(join(dir, 'out/x.jsonl')))
  })

  it('npx lunettes all --demo loads the sample and prints the UI address, which serves the page and the data', async () => {
    const child = spawn('npx', ['lunettes', 'all', '--demo'], {
      cwd: dir,
      env: { ...env, LUNETTES_HTTP_ADDR: '127.0.0.1:0' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    })
    demo = child
    let out = ''
    const ui = await new Promise<string>((resolveUrl, reject) => {
      const timer = setTimeout(() => reject(new Error(`no UI address in 60 s: ${out}`)), 60_000)
      child.stdout?.on('data', (d: Buffer) => {
        out += d
        const m = /UI: (http:\/\/\S+)/.exec(out)
        if (m?.[1]) {
          clearTimeout(timer)
          resolveUrl(m[1])
        }
      })
      child.once('exit', (code) => reject(new Error(`demo exited ${code}: ${out}`)))
    })
    try {
      const page = await fetch(ui)
      assert.equal(page.status, 200)
      assert.match(await page.text(), /<script type="module" src="\/assets\/main.js">/)
      assert.equal((await fetch(new URL('/assets/main.js', ui))).status, 200)
      const u = new URL(ui)
      const slo = await fetch(`${u.origin}/api/v1/debugslo${u.search}`)
      const body = (await slo.json()) as {
        counts: { total: number; byCode: Record<string, number> }
      }
      assert.ok(body.counts.total >= 100, `${body.counts.total} finished pods`)
      assert.ok(Object.keys(body.counts.byCode).length >= 4, JSON.stringify(body.counts.byCode))
    } finally {
      // npx runs the CLI as a child: end the whole group we started.
      if (child.pid) process.kill(-child.pid, 'SIGTERM')
      await new Promise((r) => child.once('exit', r))
    }
  })
})
