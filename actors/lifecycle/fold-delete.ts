import type { PodOp, PodSignal } from '../../protocol/pod-signal.ts'
import { better, type Mark, type PodState } from './pod-state.ts'

const KUBELET = 'system:node:'

/**
 * What a delete operation tells the delete diagnosis (LIFECYCLE §5): the kill point of a graceful
 * delete (request time + grace; a later, shorter grace moves it earlier, as the API server does),
 * the kubelet's confirmation (the final delete with grace 0 it sends once the containers stopped,
 * seen as a grace-0 `pod:delete:success` while finalizers hold the object, or as the removal
 * itself when the kubelet's write removed it), and a removal by anyone else before any
 * confirmation (a force delete, the pod garbage collector after a node loss). Only audit records
 * name the writer; a watch's removal proves nothing about who confirmed.
 */
export function foldDelete(state: PodState, sig: PodSignal, op: PodOp): void {
  const at: Mark = { t: sig.time, p: sig.precision, s: sig.source }
  const kubelet = sig.actor?.startsWith(KUBELET) ?? false
  if (op.op === 'pod:delete:success') {
    const grace = op.grace
    if (grace === undefined) return
    state.deletion ??= {}
    const d = state.deletion
    if (grace > 0) {
      const killAt = sig.time + grace * 1_000_000
      if (d.killAt === undefined || killAt < d.killAt) {
        d.killAt = killAt
        d.grace = grace
      }
    } else if (better(at, d.confirmed)) {
      d.confirmed = at
      d.byKubelet = kubelet
    }
    return
  }
  if (op.op !== 'pod:deleted:success' || sig.source !== 'audit') return
  state.deletion ??= {}
  const d = state.deletion
  if (kubelet) {
    if (better(at, d.confirmed)) {
      d.confirmed = at
      d.byKubelet = true
    }
  } else if (!d.confirmed && better(at, d.removedBy?.at)) {
    d.removedBy = { at, actor: sig.actor ?? 'unknown' }
  }
}
