import * as v from 'valibot'
import { FieldGuard } from './field-guard.ts'
import { Pod, podFacts, schedulerOf } from './k8s-pod.ts'
import { isRecord, issueText, jsonType, present, text } from './k8s-pod-support.ts'
import { isUid, messageFields, podKeyProblem } from './limits.ts'
import type { Normalized, PodFacts, PodKey, PodOp, PodSignal } from './pod-signal.ts'
import { podStatusOps } from './pod-status-ops.ts'
import { isTimeInRange, type Precision, type Stamp } from './time.ts'

/** Options of `normalizePod`. */
export interface PodNormalizeOptions {
  /** `list` for a final-state object (a file, an initial list), `watch` for a watch object. */
  readonly source: 'list' | 'watch'
  /** When the object was observed (watch receipt, gather time), epoch µs. */
  readonly observedAt?: number | undefined
  readonly ignoredNamespaces?: ReadonlySet<string> | undefined
  /** The object comes from a watch `DELETED`: the pod is gone. */
  readonly deleted?: boolean | undefined
}

interface Placed {
  readonly id: string
  readonly time: number
  readonly precision: Precision
  readonly ops: PodOp[]
}

/**
 * Turns a Pod object (a listed final state or a watch object) into signals, one per timestamped
 * field at that field's own time (LIFECYCLE §1, §8), each with a stable id so a re-list of the
 * same object repeats the same ids:
 * - `pod:<uid>:created` — `pod:create:success` + `schedule:<scheduler>:entry` at
 *   `creationTimestamp`;
 * - `pod:<uid>:cond:<Type>:<Status>:<µs>` — each condition at its `lastTransitionTime`;
 * - `pod:<uid>:start-time:<µs>` — `pod:kubelet:accepted` at `status.startTime`;
 * - `pod:<uid>:c:<container>:running:<µs>` — each run's start (`running.startedAt`, or the
 *   `startedAt` of a terminated run in `state` or `lastState`);
 * - `pod:<uid>:c:<container>:terminated:<µs>` — each run's end at `finishedAt`;
 * - `pod:<uid>:delete:<µs>` — `pod:delete:success` with `grace` at the delete request time,
 *   i.e. `deletionTimestamp` minus `deletionGracePeriodSeconds` (the API server sets
 *   `deletionTimestamp` to request time + grace);
 * - `pod:<uid>:deleted` — `pod:deleted:success` when `opts.deleted` (watch DELETED);
 * - `pod:<uid>:status:<resourceVersion>` — everything without a timestamp of its own (phase,
 *   podIP, readiness, restart counts, waiting states), at `opts.observedAt` (precision ms), else
 *   at the newest timestamp in the object (a lower bound: the state held by then, precision s).
 * Every signal carries the pod's facts (`podFacts`). `nodeName` is a fact, not a binding: the
 * binding time comes from PodScheduled=True. No `metadata.uid` (or one over 64 characters), a
 * name that is not a DNS-1123 subdomain or a namespace that is not a DNS-1123 label → invalid.
 * Impossible field values (times outside 1970–9999, counts that are not finite non-negative
 * integers, bad labels) are left out and counted in `fieldDrops`; messages are bounded.
 */
export function normalizePod(input: unknown, opts: PodNormalizeOptions): Normalized {
  if (!isRecord(input))
    return { ok: false, invalid: `pod: expected an object, got ${jsonType(input)}` }
  if (input.kind != null && input.kind !== 'Pod')
    return { ok: false, dropped: 'irrelevant-resource' }
  const parsed = v.safeParse(Pod, input)
  if (!parsed.success) return { ok: false, invalid: issueText('pod', parsed.issues) }
  const pod = parsed.output
  const meta = pod.metadata
  const uid = text(meta?.uid)
  const name = text(meta?.name)
  const namespace = text(meta?.namespace)
  if (!uid) return { ok: false, invalid: 'pod: no metadata.uid' }
  if (!isUid(uid)) return { ok: false, invalid: 'pod: metadata.uid is over 64 characters' }
  if (!name || !namespace) return { ok: false, invalid: 'pod: no metadata.name or namespace' }
  const problem = podKeyProblem(namespace, name)
  if (problem) return { ok: false, invalid: `pod: ${problem}` }
  if (opts.ignoredNamespaces?.has(namespace)) return { ok: false, dropped: 'ignored-namespace' }
  const guard = new FieldGuard()

  const placed: Placed[] = []
  const untimed: PodOp[] = []
  const place = (id: string, at: Stamp, ops: PodOp[]): void => {
    placed.push({ id: `pod:${uid}:${id}`, time: at.time, precision: at.precision, ops })
  }
  const created = guard.time(meta?.creationTimestamp)
  if (created) {
    place('created', created, [
      { op: 'pod:create:success' },
      { op: `schedule:${schedulerOf(pod)}:entry` },
    ])
  }
  for (const s of podStatusOps(pod.status, guard)) {
    if (s.at) place(`${s.key}:${s.at.time}`, s.at, [s.op])
    else untimed.push(s.op)
  }
  const deletion = guard.time(meta?.deletionTimestamp)
  const grace = guard.count(meta?.deletionGracePeriodSeconds) ?? 0
  const requestedAt = deletion ? deletion.time - grace * 1_000_000 : Number.NaN
  if (deletion && !isTimeInRange(requestedAt)) guard.drop('bad-number')
  if (deletion && isTimeInRange(requestedAt)) {
    const requested = { time: requestedAt, precision: deletion.precision }
    place(`delete:${requested.time}`, requested, [
      {
        op: 'pod:delete:success',
        grace,
        ...messageFields(
          `requested at deletionTimestamp ${meta?.deletionTimestamp} minus ${grace}s grace`,
        ),
      },
    ])
  }

  const newest = placed.reduce<number | undefined>(
    (t, p) => (t === undefined || p.time > t ? p.time : t),
    undefined,
  )
  const now: Stamp | undefined =
    opts.observedAt !== undefined
      ? { time: opts.observedAt, precision: 'ms' }
      : newest !== undefined
        ? { time: newest, precision: 's' }
        : undefined
  if (untimed.length > 0 && now) {
    place(`status:${text(meta?.resourceVersion) ?? now.time}`, now, untimed)
  }
  if (opts.deleted && now) place('deleted', now, [{ op: 'pod:deleted:success' }])
  if (placed.length === 0) return { ok: false, dropped: 'no-timestamp' }

  const facts = podFacts(pod, guard)
  const key = present<PodKey>({ namespace, name, uid })
  const seen = new Set<string>()
  const signals: PodSignal[] = []
  for (const p of [...placed].sort((a, b) => a.time - b.time)) {
    if (seen.has(p.id)) continue
    seen.add(p.id)
    signals.push(podSignal(p, key, facts, opts.source))
  }
  const fieldDrops = guard.drops
  return fieldDrops ? { ok: true, signals, fieldDrops } : { ok: true, signals }
}

function podSignal(p: Placed, pod: PodKey, facts: PodFacts, source: 'list' | 'watch'): PodSignal {
  return { v: 1, id: p.id, source, time: p.time, precision: p.precision, pod, facts, ops: p.ops }
}
