import * as v from 'valibot'
import { FieldGuard } from './field-guard.ts'
import { IntLike } from './k8s-pod.ts'
import { isRecord, issueText, present, text } from './k8s-pod-support.ts'
import { boundText } from './limits.ts'
import { type AuditContext, auditSignal, dropped, succeeded } from './normalize-audit-context.ts'
import type { Normalized, PodEventInfo } from './pod-signal.ts'
import type { Stamp } from './time.ts'

const Str = v.nullish(v.string())
const ObjectReference = v.looseObject({
  kind: Str,
  namespace: Str,
  name: Str,
  uid: Str,
  fieldPath: Str,
})

/**
 * The fields of a core/v1 `Event` or an events.k8s.io/v1 `Event` that an audited write of it
 * needs (both shapes in one loose schema: `involvedObject`/`message`/`source` vs
 * `regarding`/`note`/`reportingController`).
 */
export const AuditedEventBody = v.looseObject({
  metadata: v.nullish(
    v.looseObject({ name: Str, namespace: Str, uid: Str, creationTimestamp: Str }),
  ),
  involvedObject: v.nullish(ObjectReference),
  regarding: v.nullish(ObjectReference),
  reason: Str,
  type: Str,
  message: Str,
  note: Str,
  count: v.nullish(IntLike),
  deprecatedCount: v.nullish(IntLike),
  series: v.nullish(v.looseObject({ count: v.nullish(IntLike), lastObservedTime: Str })),
  eventTime: Str,
  firstTimestamp: Str,
  lastTimestamp: Str,
  deprecatedFirstTimestamp: Str,
  deprecatedLastTimestamp: Str,
  source: v.nullish(v.looseObject({ component: Str })),
  deprecatedSource: v.nullish(v.looseObject({ component: Str })),
  reportingController: Str,
  reportingComponent: Str,
})
export type AuditedEventBody = v.InferOutput<typeof AuditedEventBody>

function pick(...values: (string | null | undefined)[]): string | undefined {
  for (const x of values) {
    const t = text(x)
    if (t) return t
  }
  return undefined
}

/** The first usable of `values`; each is read (and an impossible one counted) once. */
function stamp(guard: FieldGuard, ...values: (string | null | undefined)[]): Stamp | undefined {
  const stamps = values.map((x) => guard.time(x))
  return stamps.find((s) => s !== undefined)
}

/**
 * The occurrence a write of this Event stands for: its number and its time. A series bump is
 * placed at `series.lastObservedTime`, a legacy count bump at `lastTimestamp`, the first
 * occurrence at `eventTime` (µs) or `firstTimestamp` (s). Impossible counts and times are
 * left out (counted on `guard`) and the next candidate is used.
 */
export function eventOccurrence(
  e: AuditedEventBody,
  guard: FieldGuard = new FieldGuard(),
): {
  count: number
  time: Stamp | undefined
  first: Stamp | undefined
} {
  const count =
    guard.count(e.series?.count) ?? guard.count(e.count) ?? guard.count(e.deprecatedCount) ?? 1
  const first = stamp(
    guard,
    e.eventTime,
    e.firstTimestamp,
    e.deprecatedFirstTimestamp,
    e.metadata?.creationTimestamp,
  )
  const last = e.series
    ? stamp(guard, e.series.lastObservedTime, e.lastTimestamp, e.deprecatedLastTimestamp)
    : stamp(guard, e.lastTimestamp, e.deprecatedLastTimestamp)
  return { count, time: count > 1 ? (last ?? first) : (first ?? last), first }
}

/**
 * `create`/`update`/`patch events` (core and events.k8s.io). The Event after the write
 * (`responseObject`; for create and update also the request body) becomes one signal with
 * `event` info, placed at the occurrence it reports (`eventOccurrence`; the audit stage time
 * when the Event has none). Its id is the Event's, `event:<eventUid>:<count>` (event uid =
 * `metadata.uid`, else `<namespace>/<name>`), as the Event normaliser gives the same occurrence
 * seen through a watch or a file, so both paths dedupe; `audit:<auditID>:<stage>` only when
 * the Event has neither. Events not about a Pod → `not-about-a-pod`; a patch recorded without
 * its response → `no-change` (the patch alone does not say which pod).
 */
export function writeEvent(ctx: AuditContext): Normalized {
  if (!succeeded(ctx)) return dropped('no-change')
  const { verb, requestObject, responseObject } = ctx.event
  const body = isRecord(responseObject)
    ? responseObject
    : verb !== 'patch' && isRecord(requestObject)
      ? requestObject
      : undefined
  if (!body) return dropped('no-change')
  const parsed = v.safeParse(AuditedEventBody, body)
  if (!parsed.success) {
    const field = body === responseObject ? 'responseObject' : 'requestObject'
    return { ok: false, invalid: issueText(`audit event: ${field}`, parsed.issues) }
  }
  const e = parsed.output
  const about = e.involvedObject ?? e.regarding
  if (about?.kind !== 'Pod') return dropped('not-about-a-pod')
  const occurrence = eventOccurrence(e, ctx.guard)
  const time = occurrence.time ?? ctx.time
  const first = occurrence.first ?? time
  const namespace = pick(about.namespace, e.metadata?.namespace)
  const eventName = pick(e.metadata?.name)
  const uid =
    ctx.guard.uid(pick(e.metadata?.uid)) ??
    (eventName ? `${pick(e.metadata?.namespace) ?? ''}/${eventName}` : undefined)
  const message = boundText(pick(e.message, e.note) ?? '')
  const info = present<PodEventInfo>({
    uid: uid ?? `audit:${ctx.event.auditID}`,
    reason: pick(e.reason) ?? '',
    type: pick(e.type) ?? 'Normal',
    message: message.text,
    messageBytes: message.bytes,
    count: occurrence.count,
    component:
      pick(
        e.source?.component,
        e.reportingController,
        e.reportingComponent,
        e.deprecatedSource?.component,
      ) ?? '',
    fieldPath: pick(about.fieldPath),
    first: first.time,
    firstPrecision: first.precision,
  })
  return auditSignal(
    ctx,
    {
      namespace: [namespace, ctx.event.objectRef?.namespace],
      name: [about.name],
      uid: [about.uid],
    },
    { ops: [], event: info, time, id: uid ? `event:${uid}:${occurrence.count}` : undefined },
  )
}
