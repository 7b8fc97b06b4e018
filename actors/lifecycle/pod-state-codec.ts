import * as v from 'valibot'
import { MilestoneName } from '../../protocol/pod-report.ts'
import { PodFacts, PodSignal, SignalSource } from '../../protocol/pod-signal.ts'
import { compileFastPath, REJECTED } from '../../protocol/schema-fast-path.ts'
import { Precision } from '../../protocol/time.ts'
import type { PodState } from './pod-state.ts'

const Mark = v.object({ t: v.number(), p: Precision, s: SignalSource })
const Slo = v.object({
  result: v.string(),
  thresholdMs: v.nullable(v.number()),
  violatedAt: v.nullable(v.number()),
  final: v.boolean(),
  by: v.optional(v.picklist(['outcome', 'give-up', 'rejected'])),
})

/** The schema of a stored `PodState` v1; parsed on every load. */
export const PodStateV1 = v.object({
  v: v.literal(1),
  uid: v.string(),
  namespace: v.string(),
  name: v.string(),
  facts: PodFacts,
  ms: v.record(MilestoneName, v.optional(Mark)),
  pulls: v.record(
    v.string(),
    v.object({
      start: v.optional(Mark),
      end: v.optional(Mark),
      reportedMs: v.optional(v.number()),
      present: v.optional(v.boolean()),
    }),
  ),
  containers: v.record(
    v.string(),
    v.object({
      init: v.boolean(),
      started: v.optional(Mark),
      ready: v.optional(v.boolean()),
      restarts: v.number(),
      lastTermination: v.optional(
        v.object({
          reason: v.string(),
          exitCode: v.optional(v.number()),
          t: v.number(),
          p: v.optional(Precision),
        }),
      ),
      waiting: v.optional(
        v.object({
          reason: v.string(),
          message: v.optional(v.string()),
          t: v.number(),
          p: v.optional(Precision),
        }),
      ),
    }),
  ),
  conditions: v.record(
    v.string(),
    v.object({
      status: v.string(),
      t: v.number(),
      p: v.optional(Precision),
      reason: v.optional(v.string()),
      message: v.optional(v.string()),
    }),
  ),
  phase: v.nullable(
    v.object({
      value: v.string(),
      reason: v.optional(v.string()),
      t: v.number(),
      p: v.optional(Precision),
    }),
  ),
  events: v.array(
    v.object({
      uid: v.string(),
      reason: v.string(),
      type: v.string(),
      message: v.string(),
      component: v.string(),
      fieldPath: v.optional(v.string()),
      first: v.number(),
      firstP: Precision,
      last: v.number(),
      lastP: v.optional(Precision),
      count: v.number(),
    }),
  ),
  ops: v.record(v.string(), v.number()),
  createFailure: v.nullable(
    v.object({
      code: v.number(),
      reason: v.optional(v.string()),
      message: v.optional(v.string()),
      t: v.number(),
    }),
  ),
  bound: v.boolean(),
  seenObject: v.boolean(),
  evicted: v.nullable(Mark),
  seen: v.array(v.string()),
  deletion: v.optional(
    v.object({
      grace: v.optional(v.number()),
      killAt: v.optional(v.number()),
      confirmed: v.optional(Mark),
      byKubelet: v.optional(v.boolean()),
      removedBy: v.optional(v.object({ at: Mark, actor: v.string() })),
    }),
  ),
  slo: v.object({ create: Slo, delete: v.nullable(Slo) }),
  alerted: v.array(v.string()),
  alarm: v.nullable(v.number()),
  lastSignal: v.number(),
  log: v.optional(v.array(PodSignal)),
})

/** `PodStateV1`'s success path without valibot's bookkeeping; a miss runs the full schema. */
const fastState = compileFastPath(PodStateV1)

/** The version `encodeState` writes. */
export const STATE_VERSION = 1

/**
 * Forward migrations, one step each (RivetKit's versioned data): `MIGRATIONS[n]` turns a
 * version-n object into version n+1. Version 0 was the untagged draft state.
 */
const MIGRATIONS: Record<number, (old: Record<string, unknown>) => Record<string, unknown>> = {
  0: (old) => ({ ...old, v: 1, seenObject: old.seenObject ?? true, bound: old.bound ?? false }),
}

/** A stored state that cannot be read: names the pod and what is wrong. */
export class StateDecodeError extends Error {
  override readonly name = 'StateDecodeError'
  readonly uid: string
  constructor(uid: string, problem: string) {
    super(`stored state of pod ${uid} is unreadable: ${problem}`)
    this.uid = uid
  }
}

/** Parses a stored state: JSON, migrated forward to the current version, then validated. */
export function decodeState(uid: string, json: string): PodState {
  let raw: unknown
  try {
    raw = JSON.parse(json)
  } catch (err: unknown) {
    throw new StateDecodeError(uid, err instanceof Error ? err.message : String(err))
  }
  if (typeof raw !== 'object' || raw === null) throw new StateDecodeError(uid, 'not an object')
  let obj = raw as Record<string, unknown>
  let version = typeof obj.v === 'number' ? obj.v : 0
  if (version > STATE_VERSION) {
    throw new StateDecodeError(
      uid,
      `version ${version} is newer than this build (${STATE_VERSION})`,
    )
  }
  while (version < STATE_VERSION) {
    const step = MIGRATIONS[version]
    if (!step) throw new StateDecodeError(uid, `no migration from version ${version}`)
    obj = step(obj)
    version++
  }
  const fast = fastState(obj)
  if (fast !== REJECTED) return fast as PodState
  const parsed = v.safeParse(PodStateV1, obj)
  if (!parsed.success) {
    const issue = parsed.issues[0]
    const path = issue.path?.map((p) => String(p.key)).join('.') ?? ''
    throw new StateDecodeError(uid, `${path}: ${issue.message}`)
  }
  return parsed.output as PodState
}

/** Serialises a state for the store. */
export function encodeState(state: PodState): string {
  return JSON.stringify(state)
}
