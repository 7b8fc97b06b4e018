import * as v from 'valibot'
import { type Pod, PodStatus, podFacts, schedulerOf } from './k8s-pod.ts'
import { isRecord, issueText, present, text } from './k8s-pod-support.ts'
import { messageFields } from './limits.ts'
import {
  type AuditContext,
  auditSignal,
  bodyName,
  bodyUid,
  dropped,
  type KeyParts,
  podBody,
  succeeded,
  withObjectRef,
} from './normalize-audit-context.ts'
import { finalizerChange, finalizerOps } from './normalize-audit-finalizers.ts'
import type { Normalized, PodFacts, PodOp } from './pod-signal.ts'
import { statedOps } from './pod-status-ops.ts'
import { statusFromJsonPatch } from './pod-status-ops-json-patch.ts'

function factsOf(ctx: AuditContext, pod: Pod | undefined): PodFacts | undefined {
  return pod ? podFacts(pod, ctx.guard) : undefined
}

function podParts(ctx: AuditContext, pod: Pod | undefined): KeyParts {
  const meta = pod?.metadata
  return withObjectRef(ctx, { namespace: [meta?.namespace], name: [meta?.name], uid: [meta?.uid] })
}

/**
 * `create pods`. 2xx → `pod:create:success` + `schedule:<scheduler>:entry`, facts from the
 * response Pod (`facts.nodeName` set means the pod was created bound: no binding will follow).
 * ≥ 400 → `pod:create:failed` with the HTTP code and the Status message/reason; the name is
 * the requested one, else the generated one (the Status `details.name`), else the
 * `generateName` prefix; there is no UID.
 */
export function createPod(ctx: AuditContext): Normalized {
  const { requestObject, responseObject } = ctx.event
  const req = podBody(requestObject, 'requestObject')
  if (!req.ok) return { ok: false, invalid: req.invalid }
  const reqMeta = req.pod?.metadata
  if (ctx.code !== undefined && ctx.code >= 400) {
    const status = ctx.event.responseStatus
    const res = isRecord(responseObject) ? responseObject : {}
    const op = present<PodOp>({
      op: 'pod:create:failed',
      code: ctx.code,
      ...messageFields(text(status?.message) ?? text(res.message)),
      reason: text(status?.reason) ?? text(res.reason),
    })
    return auditSignal(
      ctx,
      withObjectRef(ctx, {
        namespace: [reqMeta?.namespace],
        name: [
          ctx.event.objectRef?.name,
          reqMeta?.name,
          status?.details?.name,
          reqMeta?.generateName,
        ],
      }),
      { ops: [op], facts: factsOf(ctx, req.pod) },
    )
  }
  if (!succeeded(ctx)) return dropped('no-change')
  const res = podBody(responseObject, 'responseObject')
  if (!res.ok) return { ok: false, invalid: res.invalid }
  const pod = res.pod ?? req.pod
  const meta = res.pod?.metadata
  const ops: PodOp[] = [{ op: 'pod:create:success' }, { op: `schedule:${schedulerOf(pod)}:entry` }]
  return auditSignal(
    ctx,
    withObjectRef(ctx, {
      namespace: [meta?.namespace, reqMeta?.namespace],
      name: [meta?.name, ctx.event.objectRef?.name, reqMeta?.name],
      uid: [meta?.uid],
    }),
    { ops, facts: factsOf(ctx, pod) },
  )
}

/** `create pods/binding` < 300 → `schedule:binding:success` with `node` = the Binding target. */
export function bindPod(ctx: AuditContext): Normalized {
  if (!succeeded(ctx)) return dropped('no-change')
  const body = ctx.event.requestObject
  const target = isRecord(body) && isRecord(body.target) ? text(body.target.name) : undefined
  const op = present<PodOp>({ op: 'schedule:binding:success', node: target })
  return auditSignal(ctx, withObjectRef(ctx, { name: [bodyName(body)], uid: [bodyUid(body)] }), {
    ops: [op],
    facts: target ? { nodeName: target } : undefined,
  })
}

type StatusRead = { ok: true; status: PodStatus | undefined } | { ok: false; invalid: string }

function patchedStatus(body: unknown): StatusRead {
  if (Array.isArray(body)) return { ok: true, status: statusFromJsonPatch(body) }
  if (!isRecord(body) || body.status == null) return { ok: true, status: undefined }
  const parsed = v.safeParse(PodStatus, body.status)
  if (!parsed.success) {
    return { ok: false, invalid: issueText('audit event: requestObject.status', parsed.issues) }
  }
  return { ok: true, status: parsed.output }
}

/**
 * `patch`/`update pods/status`. A patch reports what its body changed (strategic merge or
 * JSON Patch); an update (or a patch recorded without its body) reports the response Pod's
 * status. Facts come from the response Pod. A write that changes no op → `no-change`.
 */
export function writeStatus(ctx: AuditContext): Normalized {
  if (!succeeded(ctx)) return dropped('no-change')
  const { requestObject, responseObject } = ctx.event
  const res = podBody(responseObject, 'responseObject')
  if (!res.ok) return { ok: false, invalid: res.invalid }
  let status = res.pod?.status ?? undefined
  if (ctx.event.verb === 'patch' && requestObject !== undefined) {
    const read = patchedStatus(requestObject)
    if (!read.ok) return { ok: false, invalid: read.invalid }
    status = read.status
  } else if (!status) {
    const req = podBody(requestObject, 'requestObject')
    if (!req.ok) return { ok: false, invalid: req.invalid }
    status = req.pod?.status ?? undefined
  }
  const ops = statedOps(status, ctx.guard)
  if (ops.length === 0) return dropped('no-change')
  const meta = res.pod?.metadata
  return auditSignal(
    ctx,
    withObjectRef(ctx, {
      namespace: [meta?.namespace],
      name: [meta?.name],
      uid: [meta?.uid, bodyUid(requestObject)],
    }),
    { ops, facts: factsOf(ctx, res.pod) },
  )
}

/** True when the API server removes the pod as part of this write (grace 0, no finalizers). */
function goneAfterWrite(pod: Pod | undefined): boolean {
  const meta = pod?.metadata
  if (!meta?.deletionTimestamp) return false
  return meta.deletionGracePeriodSeconds === 0 && (meta.finalizers ?? []).length === 0
}

/**
 * `patch`/`update pods` (metadata). Finalizer ops from the patch body against the response
 * (see `finalizerOps`), and `pod:deleted:success` when the write removed the last finalizer of
 * a pod whose deletion had completed (grace 0): the API server deletes it then. An update, or a
 * patch touching finalizers without a nameable change, still gives a signal carrying
 * `facts.finalizers`, the set after the write. Other writes → `no-change`.
 */
export function writePod(ctx: AuditContext): Normalized {
  if (!succeeded(ctx)) return dropped('no-change')
  const { requestObject, responseObject } = ctx.event
  const res = podBody(responseObject, 'responseObject')
  if (!res.ok) return { ok: false, invalid: res.invalid }
  const meta = res.pod?.metadata
  const after = meta ? (meta.finalizers ?? []) : undefined
  const change =
    ctx.event.verb === 'patch'
      ? finalizerChange(requestObject)
      : { added: [], removed: [], touched: true }
  const ops = finalizerOps(change, after)
  if (goneAfterWrite(res.pod)) ops.push({ op: 'pod:deleted:success' })
  if (ops.length === 0 && !(change.touched && res.pod)) return dropped('no-change')
  return auditSignal(ctx, podParts(ctx, res.pod), { ops, facts: factsOf(ctx, res.pod) })
}

function requestedGrace(ctx: AuditContext, body: unknown): number | undefined {
  return isRecord(body) && typeof body.gracePeriodSeconds === 'number'
    ? ctx.guard.count(body.gracePeriodSeconds)
    : undefined
}

/**
 * `delete pods` 2xx. The response Pod tells graceful from final: grace > 0 or finalizers left →
 * `pod:delete:success` with `grace`; otherwise the object is gone → `pod:deleted:success`. A
 * Status response (old API servers, immediate deletion) also means gone; without a response the
 * DeleteOptions' `gracePeriodSeconds: 0` does.
 */
export function deletePod(ctx: AuditContext): Normalized {
  if (!succeeded(ctx)) return dropped('no-change')
  const { requestObject, responseObject } = ctx.event
  const res = podBody(responseObject, 'responseObject')
  if (!res.ok) return { ok: false, invalid: res.invalid }
  const meta = res.pod?.metadata
  let op: PodOp
  if (res.pod) {
    const grace = ctx.guard.count(meta?.deletionGracePeriodSeconds) ?? 0
    const graceful = grace > 0 || (meta?.finalizers ?? []).length > 0
    op = graceful ? { op: 'pod:delete:success', grace } : { op: 'pod:deleted:success' }
  } else if (isRecord(responseObject) && responseObject.kind === 'Status') {
    op = { op: 'pod:deleted:success' }
  } else {
    const grace = requestedGrace(ctx, requestObject)
    op =
      grace === 0
        ? { op: 'pod:deleted:success' }
        : present<PodOp>({ op: 'pod:delete:success', grace })
  }
  return auditSignal(ctx, podParts(ctx, res.pod), { ops: [op], facts: factsOf(ctx, res.pod) })
}

/** `create pods/eviction` < 300 → `pod:evicted` (the API server then deletes the pod). */
export function evictPod(ctx: AuditContext): Normalized {
  if (!succeeded(ctx)) return dropped('no-change')
  const body = ctx.event.requestObject
  const options = isRecord(body) && isRecord(body.deleteOptions) ? body.deleteOptions : undefined
  const pre = options && isRecord(options.preconditions) ? options.preconditions : undefined
  return auditSignal(ctx, withObjectRef(ctx, { name: [bodyName(body)], uid: [text(pre?.uid)] }), {
    ops: [{ op: 'pod:evicted' }],
  })
}
