import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { createWriteStream } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { finished } from 'node:stream/promises'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { DEFAULT_SLO_CONFIG } from '../../config/slo-config.ts'
import { runReplay } from '../../tools/replay/replay.ts'
import { realdata } from '../support/realdata.ts'

const here = fileURLToPath(import.meta.url)
/** The built CLI under `npm test`; the TypeScript source through tsx under `test:one`. */
const cli = here.endsWith('.ts')
  ? ['--import', 'tsx', fileURLToPath(new URL('../../tools/cli.ts', import.meta.url))]
  : [fileURLToPath(new URL('../../tools/cli.js', import.meta.url))]

const lunettes = (...args: string[]) => lunettesWith({}, ...args)

function lunettesWith(
  env: Record<string, string>,
  ...args: string[]
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...cli, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString()
    })
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString()
    })
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

let dir = ''
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lunettes-cli-'))
})
after(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('lunettes CLI', () => {
  it('--help lists the roles and exits 0', async () => {
    const { code, stdout } = await lunettes('--help')
    assert.equal(code, 0)
    assert.match(stdout, /replay/)
    assert.match(stdout, /gateway/)
  })

  it('replay writes sorted reports and a summary', async () => {
    const out = join(dir, 'falco.jsonl')
    const { code, stderr } = await lunettes(
      'replay',
      '--input',
      realdata('audit/falco-minikube-2018-pod-events.jsonl'),
      '--output',
      out,
    )
    assert.equal(code, 0, stderr)
    const lines = (await readFile(out, 'utf8')).trim().split('\n')
    assert.equal(lines.length, 9)
    assert.match(stderr, /pods 9: create incomplete=9/)
  })

  it('malformed lines are reported with file:line and skipped; --strict exits 1', async () => {
    const file = join(dir, 'mixed.jsonl')
    const good = (await readFile('test/fixtures/audit/happy-pod.jsonl', 'utf8')).trim().split('\n')
    await writeFile(
      file,
      [good[0], '{"kind": "Event", broken', good[1], '42', ...good.slice(2)].join('\n'),
    )
    const out = join(dir, 'mixed-out.jsonl')
    const lenient = await lunettes('replay', '-i', file, '-o', out)
    assert.equal(lenient.code, 0)
    assert.match(lenient.stderr, new RegExp(`skipped ${file}:2: invalid JSON`))
    assert.match(
      lenient.stderr,
      new RegExp(`skipped ${file}:4: expected a JSON object, got number`),
    )
    assert.equal((await readFile(out, 'utf8')).trim().split('\n').length, 1)
    const strict = await lunettes('replay', '-i', file, '-o', out, '--strict')
    assert.equal(strict.code, 1)
  })

  it('an SLO config with a key this build does not know loads with a warning on stderr', async () => {
    const cfg = join(dir, 'newer.json')
    await writeFile(cfg, JSON.stringify({ UserOnlineConfigMap: { shop: '90s' }, FutureKnob: 'x' }))
    const run = await lunettes(
      'replay',
      '-i',
      'test/fixtures/audit/happy-pod.jsonl',
      '-o',
      join(dir, 'o.jsonl'),
      '--slo-config',
      cfg,
    )
    assert.equal(run.code, 0, run.stderr)
    assert.match(run.stderr, /warning: .*FutureKnob/)
  })

  it('clear errors: missing options, missing file, invalid SLO config, unknown role', async () => {
    const missing = await lunettes('replay', '--input', 'x.jsonl')
    assert.equal(missing.code, 2)
    assert.match(missing.stderr, /--input and --output are required/)
    const nofile = await lunettes(
      'replay',
      '--input',
      join(dir, 'nope.jsonl'),
      '--output',
      join(dir, 'o.jsonl'),
    )
    assert.equal(nofile.code, 1)
    assert.match(nofile.stderr, /nope\.jsonl/)
    const cfg = join(dir, 'slo.json')
    await writeFile(cfg, JSON.stringify({ UserOnlineConfigMap: { shop: '90 seconds' } }))
    const bad = await lunettes(
      'replay',
      '-i',
      'test/fixtures/audit/happy-pod.jsonl',
      '-o',
      join(dir, 'o.jsonl'),
      '--slo-config',
      cfg,
    )
    assert.equal(bad.code, 1)
    assert.match(bad.stderr, /UserOnlineConfigMap\.shop/)
    assert.match(bad.stderr, /90 seconds/)
    const role = await lunettes('frobnicate')
    assert.equal(role.code, 2)
    assert.match(role.stderr, /unknown role 'frobnicate'/)
    // Checked before connecting: the bus below does not exist, and is never dialled.
    const idle = await lunettesWith(
      { LUNETTES_IDLE: 'soon', NATS_URL: 'nats://127.0.0.1:1' },
      'actors',
    )
    assert.equal(idle.code, 1)
    assert.match(idle.stderr, /LUNETTES_IDLE=soon/)
  })
})

describe('replay never crashes on garbage', () => {
  it('a 100 MB file of garbage with valid lines mixed in: every bad line is reported, valid pods survive', async () => {
    const file = join(dir, 'garbage.jsonl')
    const good = (await readFile('test/fixtures/audit/mixed-pods.jsonl', 'utf8')).trim().split('\n')
    const stream = createWriteStream(file)
    let bytes = 0
    let bad = 0
    let seed = 42
    const rand = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff
      return seed
    }
    const junk = [
      '{"kind":"Event","auditID":',
      'null',
      '[1,2',
      '\u0000\u0001binary\u00ff',
      '{"apiVersion":"audit.k8s.io/v1"}',
      '"just a string"',
      '}{',
    ]
    let i = 0
    while (bytes < 100 * 1024 * 1024) {
      let line: string
      if (i < good.length && rand() % 50 === 0) {
        line = good[i++] ?? ''
      } else {
        line = `${junk[rand() % junk.length]}${'x'.repeat(rand() % 2000)}`
        bad++
      }
      bytes += line.length + 1
      if (!stream.write(`${line}\n`))
        await new Promise<void>((r) => stream.once('drain', () => r()))
    }
    for (; i < good.length; i++) stream.write(`${good[i]}\n`)
    stream.end()
    await finished(stream)
    let reported = 0
    const { reports, summary } = await runReplay({
      inputs: [file, realdata('audit/audit2rbac-demo.log')],
      config: DEFAULT_SLO_CONFIG,
      onSkip: () => {
        reported++
      },
    })
    assert.equal(reported, summary.malformed)
    assert.ok(summary.malformed >= bad * 0.99, `${summary.malformed} reported of ${bad} bad lines`)
    assert.ok(summary.malformed <= bad)
    assert.equal(reports.length, 9)
  })
})
