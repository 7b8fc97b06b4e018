import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { ROOT } from './chart-support.ts'

interface Copy {
  from: string | undefined
  sources: string[]
  dest: string
}
interface Stage {
  base: string
  copies: Copy[]
  lines: string[]
}

/** The Dockerfile's stages with their COPY instructions (continuation lines joined). */
function stages(text: string): Stage[] {
  const out: Stage[] = []
  const lines = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
  for (const line of lines) {
    if (!line || line.startsWith('#')) continue
    const from = /^FROM\s+(\S+)/i.exec(line)
    if (from?.[1]) {
      out.push({ base: from[1], copies: [], lines: [] })
      continue
    }
    const stage = out.at(-1)
    if (!stage) throw new Error(`instruction before FROM: ${line}`)
    stage.lines.push(line)
    const copy = /^COPY\s+(.*)$/i.exec(line)
    if (copy?.[1]) {
      const words = copy[1].split(/\s+/)
      const fromFlag = words.find((w) => w.startsWith('--from='))
      const paths = words.filter((w) => !w.startsWith('--'))
      const dest = paths.pop() ?? ''
      stage.copies.push({ from: fromFlag?.slice('--from='.length), sources: paths, dest })
    }
  }
  return out
}

const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8')
const [build, final] = stages(dockerfile)

describe('Dockerfile (no Docker engine here: checked by its parts)', () => {
  it('two stages on node:24-slim; the final one non-root, read-only friendly, with OCI labels', () => {
    assert.ok(build && final)
    assert.equal(build.base, 'node:24-slim')
    assert.equal(final.base, 'node:24-slim')
    const body = final.lines.join('\n')
    assert.match(body, /npm ci --omit=dev --ignore-scripts/)
    assert.match(body, /^USER\s+[1-9]\d*:[1-9]\d*$/m, 'a numeric non-root user (runAsNonRoot)')
    assert.match(body, /^VOLUME\s+\["\/tmp"\]$/m)
    assert.match(body, /^ENTRYPOINT\s+\["lunettes"\]$/m)
    for (const label of ['title', 'version', 'revision', 'source', 'licenses']) {
      assert.match(body, new RegExp(`org\\.opencontainers\\.image\\.${label}=`))
    }
    for (const c of final.copies) {
      if (c.from === undefined) {
        assert.deepEqual(c.sources, ['package.json', 'package-lock.json'])
      } else {
        for (const s of c.sources) assert.match(s, /^\/src\/dist\//, 'only dist/ from the build')
      }
    }
  })

  it('every file the Dockerfile copies exists (sources in the repo, dist/ after npm run build)', () => {
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'))
    for (const stage of [build, final]) {
      for (const c of stage?.copies ?? []) {
        for (const s of c.sources) {
          const path = c.from === undefined ? join(ROOT, s) : join(ROOT, s.replace(/^\/src\//, ''))
          assert.ok(
            existsSync(path),
            `${s} exists (${c.from ? 'run npm run build first' : 'in the repo'})`,
          )
          if (c.from === undefined) assert.ok(!ignored.includes(s), `${s} is not in .dockerignore`)
        }
      }
    }
    assert.ok(existsSync(join(ROOT, 'dist/tools/cli.js')), 'the entry point is built')
  })

  it('the entry command runs from a dist/-only copy with production dependencies: --help and a replay', () => {
    const app = mkdtempSync(join(tmpdir(), 'lunettes-image-'))
    try {
      for (const c of final?.copies ?? []) {
        for (const s of c.sources) {
          const src = c.from === undefined ? join(ROOT, s) : join(ROOT, s.replace(/^\/src\//, ''))
          const dest = c.sources.length > 1 ? join(app, c.dest, s) : join(app, c.dest)
          cpSync(src, dest, { recursive: true })
        }
      }
      // The registry is needed here, as in the image build; this takes a while.
      execFileSync('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'], {
        cwd: app,
        stdio: ['ignore', 'ignore', 'pipe'],
        timeout: 300_000,
      })
      for (const dev of ['fast-check', '@biomejs/biome', 'tsx', 'playwright-core']) {
        assert.equal(existsSync(join(app, 'node_modules', dev)), false, `no dev dep ${dev}`)
      }
      assert.equal(existsSync(join(app, 'node_modules/hono')), true, 'production deps')
      assert.equal(existsSync(join(app, 'dist/test')), false, 'no tests in the image')
      const cli = join(app, 'dist/tools/cli.js')
      const env = { PATH: process.env.PATH ?? '', HOME: app, NODE_ENV: 'production' }
      const help = execFileSync(cli, ['--help'], { cwd: app, encoding: 'utf8', env })
      assert.match(help, /Roles:/)
      const input = join(app, 'happy-pod.jsonl')
      cpSync(join(ROOT, 'test/fixtures/audit/happy-pod.jsonl'), input)
      const reports = execFileSync(cli, ['replay', '--input', input, '--output', '-'], {
        cwd: app,
        encoding: 'utf8',
        env,
      })
      const lines = reports.trim().split('\n').filter(Boolean)
      assert.ok(lines.length >= 1, 'one report per pod')
      const report = JSON.parse(lines[0] ?? '{}')
      assert.equal(typeof report.uid, 'string')
    } finally {
      rmSync(app, { recursive: true, force: true })
    }
  })
})
