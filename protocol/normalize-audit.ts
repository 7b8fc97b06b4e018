import * as v from 'valibot'
import { FieldGuard } from './field-guard.ts'
import { AuditEvent } from './k8s-audit.ts'
import { isRecord, issueText, jsonType, text } from './k8s-pod-support.ts'
import { type AuditContext, dropped } from './normalize-audit-context.ts'
import { writeEvent } from './normalize-audit-events.ts'
import {
  bindPod,
  createPod,
  deletePod,
  evictPod,
  writePod,
  writeStatus,
} from './normalize-audit-pods.ts'
import { quickDropAudit } from './normalize-audit-prefilter.ts'
import { AUDITED_VERBS, auditedResource } from './normalize-audit-resources.ts'
import type { Normalized } from './pod-signal.ts'

/** Options of `normalizeAuditEvent`. */
export interface AuditNormalizeOptions {
  /** Namespaces whose records are dropped (`IgnoredNamespaceForAudit`). */
  readonly ignoredNamespaces?: ReadonlySet<string> | undefined
}

/**
 * Turns one audit Event (`audit.k8s.io/v1`, `v1beta1`, trimmed lines) into pod signals
 * (LIFECYCLE §1–§2). Only stage `ResponseComplete` counts (a line without `stage` but with a
 * `responseStatus` is taken as complete); resources `pods` (create/update/patch/delete),
 * `pods/binding`, `pods/status`, `pods/eviction` and `events` (core and events.k8s.io). Each
 * relevant record gives one signal with id `audit:<auditID>:<stage>`, time = `stageTimestamp`
 * (old events: `timestamp`), `received` = `requestReceivedTimestamp`, `actor` =
 * `user.username`; the pod UID comes from `objectRef.uid`, the response Pod, a status patch's or
 * a Binding's `metadata.uid`, else it is absent and the host resolves namespace/name. Writes of
 * Events are the exception to id and time: they carry the Event's own id and occurrence time
 * (see `writeEvent`). Failed writes and writes that change no op → `no-change`. Malformed input
 * (not an object, no auditID, no usable time, wrong field types, a pod name or namespace the API
 * server would refuse) → `invalid`. Impossible field values (times outside 1970–9999, a status
 * code that is not an HTTP status, counts that are not finite non-negative integers) are left
 * out and counted in `fieldDrops`; messages are bounded (`MAX_MESSAGE_BYTES`).
 */
export function normalizeAuditEvent(input: unknown, opts: AuditNormalizeOptions = {}): Normalized {
  if (!isRecord(input)) {
    return { ok: false, invalid: `audit event: expected an object, got ${jsonType(input)}` }
  }
  // Most of an audit stream is records we never read: judge those before the full schema.
  const quick = quickDropAudit(input, opts.ignoredNamespaces)
  if (quick !== undefined) return dropped(quick)
  const parsed = v.safeParse(AuditEvent, input)
  if (!parsed.success) return { ok: false, invalid: issueText('audit event', parsed.issues) }
  const e = parsed.output
  const guard = new FieldGuard()
  const time = guard.time(e.stageTimestamp) ?? guard.time(e.timestamp)
  if (!time) {
    return { ok: false, invalid: 'audit event: no usable stageTimestamp or timestamp' }
  }
  const stage = e.stage ?? (e.responseStatus ? 'ResponseComplete' : undefined)
  if (stage !== 'ResponseComplete') return dropped('irrelevant-stage')
  const resource = auditedResource(e)
  if (!resource) return dropped('irrelevant-resource')
  if (!AUDITED_VERBS[resource].includes(e.verb)) return dropped('irrelevant-verb')
  const namespace = e.objectRef?.namespace
  if (namespace && opts.ignoredNamespaces?.has(namespace)) return dropped('ignored-namespace')
  const ctx: AuditContext = {
    event: e,
    id: `audit:${e.auditID}:${stage}`,
    time,
    received: guard.time(e.requestReceivedTimestamp)?.time,
    actor: text(e.user?.username),
    code: guard.httpCode(e.responseStatus?.code),
    ignoredNamespaces: opts.ignoredNamespaces,
    guard,
  }
  switch (resource) {
    case 'pods':
      if (e.verb === 'create') return createPod(ctx)
      if (e.verb === 'delete') return deletePod(ctx)
      return writePod(ctx)
    case 'pods/binding':
      return bindPod(ctx)
    case 'pods/status':
      return writeStatus(ctx)
    case 'pods/eviction':
      return evictPod(ctx)
    case 'events':
      return writeEvent(ctx)
  }
}
