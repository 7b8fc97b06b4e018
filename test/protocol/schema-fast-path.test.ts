import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import * as v from 'valibot'
import { createDecider } from '../../actors/lifecycle/decide.ts'
import { initialState, type PodState } from '../../actors/lifecycle/pod-state.ts'
import { PodStateV1 } from '../../actors/lifecycle/pod-state-codec.ts'
import { DEFAULT_SLO_CONFIG } from '../../config/slo-config.ts'
import { ClockEnvelope, PartitionMessage } from '../../protocol/envelope.ts'
import { normalizeAuditEvent } from '../../protocol/normalize-audit.ts'
import type { PodSignal } from '../../protocol/pod-signal.ts'
import { compileFastPath, REJECTED } from '../../protocol/schema-fast-path.ts'
import { generateAudit } from '../../tools/loadgen/cluster.ts'

const fastMessage = compileFastPath(PartitionMessage)
const fastState = compileFastPath(PodStateV1)

/** Signals of a small synthetic cluster (loadgen), through the audit normaliser. */
function clusterSignals(): PodSignal[] {
  const g = generateAudit({ pods: 40, seed: 3, noise: 0 })
  return g.records.flatMap(({ record }) => {
    const n = normalizeAuditEvent(JSON.parse(JSON.stringify(record)))
    return n.ok ? n.signals : []
  })
}

/** Each pod's state after every signal, as stored (JSON text). */
function clusterStates(signals: readonly PodSignal[]): string[] {
  const decide = createDecider({ config: DEFAULT_SLO_CONFIG })
  const states = new Map<string, PodState>()
  const out: string[] = []
  for (const s of signals) {
    const uid = s.pod.uid
    if (!uid) continue
    const before = states.get(uid) ?? initialState(uid, s.pod.namespace, s.pod.name)
    const after = decide(before, s, s.time).state
    states.set(uid, after)
    out.push(JSON.stringify(after))
  }
  return out
}

/** Asserts the fast path agrees with valibot on `input`: same verdict, same output and key order. */
function agrees(fast: (x: unknown) => unknown, schema: v.GenericSchema, input: unknown): boolean {
  const full = v.safeParse(schema, input)
  const got = fast(input)
  if (!full.success) {
    assert.equal(got, REJECTED, 'the fast path accepted what the schema rejects')
    return false
  }
  // A miss on a valid value is allowed (the full schema then runs); a hit must match exactly.
  if (got === REJECTED) return false
  assert.deepEqual(got, full.output)
  assert.equal(JSON.stringify(got), JSON.stringify(full.output))
  return true
}

/** Paths to every value inside `x`. */
function paths(x: unknown, at: (string | number)[] = []): (string | number)[][] {
  if (!x || typeof x !== 'object') return [at]
  const keys = Array.isArray(x) ? x.map((_, i) => i) : Object.keys(x)
  return [at, ...keys.flatMap((k) => paths((x as Record<string | number, unknown>)[k], [...at, k]))]
}

/** A copy of `x` with the value at `path` replaced (or, with `undefined`, deleted). */
function mutate(x: unknown, path: readonly (string | number)[], value: unknown): unknown {
  const copy = structuredClone(x) as Record<string | number, unknown>
  if (path.length === 0) return value
  let node = copy
  for (const k of path.slice(0, -1)) node = node[k] as Record<string | number, unknown>
  const last = path[path.length - 1] as string | number
  if (value === undefined) delete node[last]
  else node[last] = value
  return copy
}

const signals = clusterSignals()
const envelopes = signals.map((signal, i) =>
  JSON.parse(JSON.stringify({ v: 1, kind: 'signal', seq: i + 1, signal })),
)
const states = clusterStates(signals).map((json) => JSON.parse(json))

/** Random replacements: any JSON value, a missing key, or an out-of-range number. */
const replacement = fc.oneof(
  fc.jsonValue(),
  fc.constant(undefined),
  fc.constantFrom(-1, 1.5, Number.MAX_SAFE_INTEGER * 4, '', 'bad source!', 'us', 'signal', 'clock'),
)

describe('schema fast path: the success path of a valibot schema, exactly', () => {
  it('accepts every message and state of a synthetic cluster with valibot’s output', () => {
    assert.ok(envelopes.length > 100 && states.length > 100)
    for (const e of envelopes) assert.ok(agrees(fastMessage, PartitionMessage, e))
    for (const s of states) assert.ok(agrees(fastState, PodStateV1, s))
    const clock = { v: 1, kind: 'clock', time: 5, end: true, run: 'r' }
    const watermark = { v: 1, kind: 'watermark', source: 'api-1', time: 5, sentAt: 9 }
    assert.ok(agrees(fastMessage, PartitionMessage, clock))
    assert.ok(agrees(fastMessage, PartitionMessage, watermark))
  })

  it('strips unknown keys and orders keys as the schema does', () => {
    const input = { time: 5, extra: 1, kind: 'clock', v: 1 }
    assert.ok(agrees(fastMessage, PartitionMessage, input))
    assert.deepEqual(Object.keys(fastMessage(input) as object), ['v', 'kind', 'time'])
    assert.deepEqual(Object.keys(compileFastPath(ClockEnvelope)(input) as object), [
      'v',
      'kind',
      'time',
    ])
  })

  it('never accepts what the schema rejects, nor differs on what it accepts (mutated inputs)', () => {
    const mutated = (pool: unknown[]) =>
      fc.tuple(fc.nat(pool.length - 1), fc.nat(), replacement).map(([i, j, value]) => {
        const all = paths(pool[i])
        return mutate(pool[i], all[j % all.length] ?? [], value)
      })
    fc.assert(
      fc.property(mutated(envelopes), (x) => void agrees(fastMessage, PartitionMessage, x)),
      {
        numRuns: 3000,
      },
    )
    fc.assert(
      fc.property(mutated(states), (x) => void agrees(fastState, PodStateV1, x)),
      {
        numRuns: 1500,
      },
    )
    fc.assert(fc.property(fc.jsonValue(), (x) => void agrees(fastMessage, PartitionMessage, x)))
  })

  it('refuses to compile schemas it does not know (the caller keeps the full schema)', () => {
    assert.throws(() => compileFastPath(v.optional(v.string(), 'x')), /unsupported/)
    assert.throws(() => compileFastPath(v.pipe(v.string(), v.email())), /unsupported/)
    assert.throws(() => compileFastPath(v.union([v.string(), v.number()])), /unsupported/)
  })
})
