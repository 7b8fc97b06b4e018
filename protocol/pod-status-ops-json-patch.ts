import * as v from 'valibot'
import { PodStatus } from './k8s-pod.ts'
import { isRecord } from './k8s-pod-support.ts'

const SCALARS = new Set(['phase', 'reason', 'message', 'podIP', 'hostIP', 'startTime'])
const LISTS = new Set(['conditions', 'containerStatuses', 'initContainerStatuses'])

/**
 * Reads what a JSON Patch (RFC 6902, an array of `{op, path, value}`) on `pods/status` sets,
 * as a partial status that `podStatusOps` understands: `add`/`replace` of `/status`,
 * `/status/<phase|reason|message|podIP|hostIP|startTime>`, whole condition/container lists, and
 * single entries (`/status/conditions/3`, `/status/conditions/-`). Removals, tests, moves and
 * paths into an entry (`/status/conditions/1/status`: the type is unknown without the object)
 * are skipped. Returns `undefined` when nothing usable is found; never throws.
 */
export function statusFromJsonPatch(patch: readonly unknown[]): PodStatus | undefined {
  const status: Record<string, unknown> = {}
  const lists: Record<string, unknown[]> = {}
  for (const entry of patch) {
    if (!isRecord(entry)) continue
    const { op, path, value } = entry
    if ((op !== 'add' && op !== 'replace') || typeof path !== 'string') continue
    const parts = path.split('/').slice(1)
    if (parts[0] !== 'status') continue
    const field = parts[1]
    if (field === undefined) {
      if (isRecord(value)) Object.assign(status, value)
      continue
    }
    if (parts.length === 2 && SCALARS.has(field)) {
      status[field] = value
    } else if (LISTS.has(field) && parts.length === 2 && Array.isArray(value)) {
      lists[field] = [...value]
    } else if (LISTS.has(field) && parts.length === 3 && isRecord(value)) {
      const list = lists[field] ?? []
      list.push(value)
      lists[field] = list
    }
  }
  Object.assign(status, lists)
  if (Object.keys(status).length === 0) return undefined
  const parsed = v.safeParse(PodStatus, status)
  return parsed.success ? parsed.output : undefined
}
