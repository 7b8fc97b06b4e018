import { spawnSync } from 'node:child_process'
import { resolve } from 'node:path'

/** Replay and core rates of one runtime over the same audit log. */
export interface RuntimeFigures {
  replayRecordsPerSec: number
  normalizeRecordsPerSec: number
  decideSignalsPerSec: number
}

const DENO = resolve('node_modules/.bin/deno')

function run(runtime: 'node' | 'deno', args: string[]): { stdout: string; seconds: number } {
  const cmd = runtime === 'node' ? process.execPath : DENO
  const pre = runtime === 'node' ? [] : ['run', '-A', '--no-check']
  const started = performance.now()
  const r = spawnSync(cmd, [...pre, ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
    maxBuffer: 64 * 1024 * 1024,
  })
  if (r.status !== 0) throw new Error(`${runtime} ${args.join(' ')} failed: ${r.stderr}`)
  return { stdout: r.stdout, seconds: (performance.now() - started) / 1000 }
}

/**
 * The built CLI's replay of `file` (wall time of the whole process, start-up included) and the
 * pure core's normalise and decide rates, on `runtime`.
 */
export function runtimeFigures(
  runtime: 'node' | 'deno',
  file: string,
  records: number,
  out: string,
): RuntimeFigures {
  const replay = run(runtime, [
    resolve('dist/tools/cli.js'),
    'replay',
    '--input',
    file,
    '--output',
    out,
  ])
  const core = JSON.parse(
    run(runtime, [resolve('dist/tools/bench/decide-rate.js'), file]).stdout,
  ) as {
    normalizeRecordsPerSec: number
    decideSignalsPerSec: number
  }
  return {
    replayRecordsPerSec: Math.round(records / replay.seconds),
    normalizeRecordsPerSec: core.normalizeRecordsPerSec,
    decideSignalsPerSec: core.decideSignalsPerSec,
  }
}
