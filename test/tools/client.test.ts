import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { after, before, describe, it } from 'node:test'
import { startUiServer, type UiServer } from '../browser/ui-server.ts'
import { cliCommand } from '../support/hosts.ts'
import { realdata } from '../support/realdata.ts'

const BASE = 'events/openshift-ci-metal-2021-09-14'

/** Runs the lunettes CLI as a child (stdout is a pipe, so: no colour, plain bars). */
function run(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
    const child = spawn(process.execPath, [...cliCommand(), ...args], {
      env: { ...process.env, LUNETTES_SERVER: '', LUNETTES_TOKEN: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    let err = ''
    child.stdout.on('data', (d: Buffer) => {
      out += d
    })
    child.stderr.on('data', (d: Buffer) => {
      err += d
    })
    child.on('close', (code) => resolve({ code, out, err }))
  })
}

describe('lunettes debugpod / debugslo against a running gateway (metal real data)', () => {
  let server: UiServer
  before(async () => {
    server = await startUiServer([realdata(`${BASE}.events.jsonl`), realdata(`${BASE}.pods.jsonl`)])
  })
  after(() => server?.close())

  it('debugpod prints the verdict, diagnosis, phase bars with durations and evidence', async () => {
    const name = 'ingress-operator-7d578b789-7wcql'
    const ns = 'openshift-ingress-operator'
    const body = await (
      await fetch(`${server.url}/api/v1/debugpod?namespace=${ns}&name=${name}`)
    ).json()
    const { code, out, err } = await run(['debugpod', name, '-n', ns, '--server', server.url])
    assert.equal(code, 0, err)
    assert.match(out, new RegExp(`^${ns}/${name}  uid ${body.uid}`))
    assert.match(out, new RegExp(`verdict ${body.slo.create.result.toUpperCase()}`))
    assert.match(out, new RegExp(`diagnosis ${body.diagnosis.code.replace('.', '\\.')} \\(owner`))
    assert.match(out, /\n {2}schedule {8}\|#+ *\| \d/)
    assert.match(out, /\n {2}readiness {7}\| *#+ *\| \d/)
    assert.match(out, new RegExp(`restarts ${body.restarts}\\n`))
    assert.match(out, /also matched: .*CrashLoopBackOff/)
    const first = body.diagnosis.evidence[0]
    assert.ok(out.includes(`event ${first.reason}: ${first.message}`), 'the evidence is listed')
    assert.ok(!out.includes('\u001b['), 'no colour when stdout is not a terminal')
  })

  it('--json prints exactly the HTTP body, for debugpod and debugslo; LUNETTES_SERVER is the default', async () => {
    const uid = '7320b81d-3c8c-4c88-b7b5-fd6abfced617'
    const http = await (await fetch(`${server.url}/api/v1/debugpod?uid=${uid}`)).text()
    const pod = await run(['debugpod', '--uid', uid, '--json'], { LUNETTES_SERVER: server.url })
    assert.equal(pod.code, 0, pod.err)
    assert.equal(pod.out, http)
    const q = `from=${server.loaded.from}&to=${server.loaded.to}`
    const sloHttp = await (await fetch(`${server.url}/api/v1/debugslo?limit=5000&${q}`)).text()
    const slo = await run(
      ['debugslo', '--from', server.loaded.from, '--to', server.loaded.to, '--json'],
      { LUNETTES_SERVER: server.url },
    )
    assert.equal(slo.code, 0, slo.err)
    assert.equal(slo.out, sloHttp)
  })

  it('debugslo prints the counts, percentiles and the worst pods table', async () => {
    const reply = await (
      await fetch(
        `${server.url}/api/v1/debugslo?limit=5000&from=${server.loaded.from}&to=${server.loaded.to}`,
      )
    ).json()
    const { code, out, err } = await run([
      'debugslo',
      '--server',
      server.url,
      '--from',
      server.loaded.from,
      '--to',
      server.loaded.to,
      '--top',
      '3',
    ])
    assert.equal(code, 0, err)
    assert.match(out, new RegExp(`: ${reply.counts.total} finished pods\\n`))
    for (const [k, n] of Object.entries(reply.counts.byResult)) {
      assert.match(out, new RegExp(`\\n  ${k} +${n} `))
    }
    assert.match(out, /worst pods \(3 of \d+ listed\)\n {2}NAMESPACE\/NAME/)
    const table = (out.split('NAMESPACE/NAME')[1] ?? '').trim().split('\n').slice(1)
    assert.equal(table.length, 3)
    const worst = [...reply.pods].sort((a, b) => (b.deliveryMs ?? -1) - (a.deliveryMs ?? -1))[0]
    assert.ok(table[0]?.includes(worst.result), table[0])
  })

  it('errors: unknown pod → exit 1 naming it; no server → exit 1 saying where; bad flags → exit 2', async () => {
    const missing = await run(['debugpod', 'nope', '-n', 'nowhere', '--server', server.url])
    assert.equal(missing.code, 1)
    assert.match(missing.err, /HTTP 404 NotFound: no pod with nowhere\/nope/)
    const down = await run(['debugpod', 'x', '--server', 'http://127.0.0.1:1'])
    assert.equal(down.code, 1)
    assert.match(down.err, /cannot reach http:\/\/127\.0\.0\.1:1/)
    const both = await run(['debugslo', '--since', '1h', '--from', '2021-09-14T00:00:00Z'])
    assert.equal(both.code, 2)
    const noName = await run(['debugpod'])
    assert.equal(noName.code, 2)
    assert.match(noName.err, /give one pod NAME/)
  })
})
