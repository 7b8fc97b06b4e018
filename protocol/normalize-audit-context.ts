import * as v from 'valibot'
import type { FieldGuard } from './field-guard.ts'
import type { AuditEvent } from './k8s-audit.ts'
import { Pod } from './k8s-pod.ts'
import { isRecord, issueText, present, text } from './k8s-pod-support.ts'
import { podKeyProblem } from './limits.ts'
import type {
  DropReason,
  Normalized,
  PodEventInfo,
  PodFacts,
  PodKey,
  PodOp,
  PodSignal,
} from './pod-signal.ts'
import type { Stamp } from './time.ts'

/** What every audit handler needs: the validated event and the fields common to its signals. */
export interface AuditContext {
  readonly event: AuditEvent
  /** `audit:<auditID>:<stage>`. */
  readonly id: string
  /** `stageTimestamp` (or the old `timestamp`). */
  readonly time: Stamp
  /** `requestReceivedTimestamp`, epoch µs. */
  readonly received: number | undefined
  readonly actor: string | undefined
  /** `responseStatus.code`; `undefined` on trimmed lines. */
  readonly code: number | undefined
  readonly ignoredNamespaces: ReadonlySet<string> | undefined
  /** Leaves out and counts impossible field values of this record. */
  readonly guard: FieldGuard
}

/** A dropped outcome. */
export function dropped(reason: DropReason): Normalized {
  return { ok: false, dropped: reason }
}

/** An invalid outcome, prefixed like every audit message. */
export function invalid(problem: string): Normalized {
  return { ok: false, invalid: `audit event: ${problem}` }
}

/** True when the request succeeded: 2xx, or no code at all (a trimmed line). */
export function succeeded(ctx: AuditContext): boolean {
  return ctx.code === undefined || (ctx.code >= 200 && ctx.code < 300)
}

/** Parsed Pod body, `undefined` when the body is absent or another kind (a Status). */
export type PodBody = { ok: true; pod: Pod | undefined } | { ok: false; invalid: string }

/** Reads `requestObject` / `responseObject` as a Pod when it is one. */
export function podBody(body: unknown, field: string): PodBody {
  if (!isRecord(body)) return { ok: true, pod: undefined }
  if (body.kind !== undefined && body.kind !== 'Pod') return { ok: true, pod: undefined }
  const parsed = v.safeParse(Pod, body)
  if (!parsed.success)
    return { ok: false, invalid: issueText(`audit event: ${field}`, parsed.issues) }
  return { ok: true, pod: parsed.output }
}

/** `metadata.uid` of any body (a status patch, a Binding), or `undefined`. */
export function bodyUid(body: unknown): string | undefined {
  return isRecord(body) && isRecord(body.metadata) ? text(body.metadata.uid) : undefined
}

/** `metadata.name` of any body, or `undefined`. */
export function bodyName(body: unknown): string | undefined {
  return isRecord(body) && isRecord(body.metadata) ? text(body.metadata.name) : undefined
}

/** Candidates for the pod key, best first; the first non-empty value of each field wins. */
export interface KeyParts {
  readonly namespace?: readonly (string | null | undefined)[]
  readonly name?: readonly (string | null | undefined)[]
  readonly uid?: readonly (string | null | undefined)[]
}

function first(values: readonly (string | null | undefined)[] | undefined): string | undefined {
  for (const x of values ?? []) {
    const t = text(x)
    if (t) return t
  }
  return undefined
}

/** What the one signal of an audit record says besides its key. */
export interface SignalBody {
  readonly ops: PodOp[]
  readonly facts?: PodFacts | undefined
  readonly event?: PodEventInfo | undefined
  /** Defaults to the audit stage time. */
  readonly time?: Stamp | undefined
  /** Defaults to `audit:<auditID>:<stage>`. */
  readonly id?: string | undefined
}

/**
 * Builds the one signal of an audit record. A key without namespace or name, or with a name or
 * namespace the API server would refuse, is invalid (nothing to address); a namespace in
 * `ignoredNamespaces` is dropped; a UID over 64 characters is left out (counted). The signal
 * carries the record's field drops.
 */
export function auditSignal(ctx: AuditContext, parts: KeyParts, body: SignalBody): Normalized {
  const namespace = first(parts.namespace)
  const name = first(parts.name)
  if (!namespace) return invalid(`no namespace for the pod of ${ctx.event.verb} ${resourceOf(ctx)}`)
  if (!name) return invalid(`no pod name for ${ctx.event.verb} ${resourceOf(ctx)}`)
  const problem = podKeyProblem(namespace, name)
  if (problem) return invalid(problem)
  if (ctx.ignoredNamespaces?.has(namespace)) return dropped('ignored-namespace')
  const time = body.time ?? ctx.time
  const signal = present<PodSignal>({
    v: 1,
    id: body.id ?? ctx.id,
    source: 'audit',
    time: time.time,
    precision: time.precision,
    received: ctx.received,
    pod: present<PodKey>({ namespace, name, uid: ctx.guard.uid(first(parts.uid)) }),
    actor: ctx.actor,
    facts: body.facts,
    ops: body.ops,
    event: body.event,
  })
  const fieldDrops = ctx.guard.drops
  return fieldDrops ? { ok: true, signals: [signal], fieldDrops } : { ok: true, signals: [signal] }
}

/**
 * The pod key candidates of a `pods` record: the given ones first, then `objectRef`
 * (namespace, name, uid).
 */
export function withObjectRef(ctx: AuditContext, parts: KeyParts): KeyParts {
  const ref = ctx.event.objectRef
  return {
    namespace: [...(parts.namespace ?? []), ref?.namespace],
    name: [...(parts.name ?? []), ref?.name],
    uid: [ref?.uid, ...(parts.uid ?? [])],
  }
}

/** `pods`, `pods/status`, `events`, … for messages. */
export function resourceOf(ctx: AuditContext): string {
  const ref = ctx.event.objectRef
  const resource = ref?.resource ?? '?'
  return ref?.subresource ? `${resource}/${ref.subresource}` : resource
}
