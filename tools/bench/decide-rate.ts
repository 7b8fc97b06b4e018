import { readFileSync } from 'node:fs'
import { createDecider } from '../../actors/lifecycle/decide.ts'
import { createDiagnose } from '../../actors/lifecycle/diagnosis-hook.ts'
import { initialState, type PodState } from '../../actors/lifecycle/pod-state.ts'
import { DEFAULT_SLO_CONFIG } from '../../config/slo-config.ts'
import { normalizeAuditEvent } from '../../protocol/normalize-audit.ts'
import type { PodSignal } from '../../protocol/pod-signal.ts'

/**
 * `node|deno dist/tools/bench/decide-rate.js FILE`: the pure core's rates on this runtime over an
 * audit log: JSON.parse per line, normalising into signals, and folding them with `decide` (one
 * state per pod, keyed by namespace/name as the host's directory does for UID-less signals).
 * Prints one JSON object. Runs unchanged on Node and Deno (only node:fs is used, for the file).
 */
const file = (globalThis as { process?: { argv: string[] } }).process?.argv[2]
if (!file) throw new Error('usage: decide-rate FILE')
const lines = readFileSync(file, 'utf8')
  .split('\n')
  .filter((l) => l !== '')

let t = performance.now()
const parsed = lines.map((l) => JSON.parse(l) as unknown)
const parseSec = (performance.now() - t) / 1000

t = performance.now()
const signals: PodSignal[] = []
for (const record of parsed) {
  const n = normalizeAuditEvent(record, { ignoredNamespaces: new Set<string>() })
  if (n.ok) signals.push(...n.signals)
}
const normalizeSec = (performance.now() - t) / 1000

const decide = createDecider({
  config: DEFAULT_SLO_CONFIG,
  diagnose: createDiagnose(DEFAULT_SLO_CONFIG),
  inPlace: true,
})
const states = new Map<string, PodState>()
t = performance.now()
for (const s of signals) {
  const key = `${s.pod.namespace}/${s.pod.name}`
  const state = states.get(key) ?? initialState(s.pod.uid ?? key, s.pod.namespace, s.pod.name)
  states.set(key, decide(state, s, s.time).state)
}
const decideSec = (performance.now() - t) / 1000

process.stdout.write(
  `${JSON.stringify({
    records: lines.length,
    signals: signals.length,
    parseRecordsPerSec: Math.round(lines.length / parseSec),
    normalizeRecordsPerSec: Math.round(lines.length / normalizeSec),
    decideSignalsPerSec: Math.round(signals.length / decideSec),
  })}\n`,
)
