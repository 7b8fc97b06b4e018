import { sTime } from './audit-fixtures-base.ts'
import type { FixtureCondition, PodState } from './audit-fixtures-pod.ts'

/** The order the kubelet keeps conditions in (`$setElementOrder/conditions`). */
export const CONDITION_ORDER = [
  'PodReadyToStartContainers',
  'Initialized',
  'Ready',
  'ContainersReady',
  'PodScheduled',
]

/** Sets a condition; returns the strategic-merge patch entry when it changed, else undefined. */
export function setCondition(
  st: PodState,
  at: number,
  type: string,
  status: FixtureCondition['status'],
  reason?: string,
  message?: string,
): Record<string, unknown> | undefined {
  const list = st.pod.status.conditions ?? []
  st.pod.status.conditions = list
  const old = list.find((c) => c.type === type)
  if (old && old.status === status && old.reason === reason && old.message === message)
    return undefined
  const next: FixtureCondition = {
    type,
    status,
    lastProbeTime: null,
    lastTransitionTime: old && old.status === status ? old.lastTransitionTime : sTime(at),
    ...(reason ? { reason } : {}),
    ...(message ? { message } : {}),
  }
  if (old) list.splice(list.indexOf(old), 1, next)
  else list.push(next)
  list.sort((a, b) => CONDITION_ORDER.indexOf(a.type) - CONDITION_ORDER.indexOf(b.type))
  if (!old) return { ...next }
  // A changed entry: only what differs, with null for a reason/message that went away.
  const entry: Record<string, unknown> = { type }
  if (old.status !== status) {
    entry.lastTransitionTime = next.lastTransitionTime
    entry.status = status
  }
  if (old.reason !== reason) entry.reason = reason ?? null
  if (old.message !== message) entry.message = message ?? null
  return entry
}
