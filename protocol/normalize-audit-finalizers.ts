import { isRecord } from './k8s-pod-support.ts'
import type { PodOp } from './pod-signal.ts'

/** What a `pods` patch/update body says about `metadata.finalizers`. */
export interface FinalizerChange {
  /** Finalizers the request asks to be present (strategic-merge list, JSON Patch add). */
  readonly added: readonly string[]
  /** Finalizers the request names for removal (`$deleteFromPrimitiveList`, test+remove). */
  readonly removed: readonly string[]
  /** True when the request touches `metadata.finalizers` at all. */
  readonly touched: boolean
}

const FINALIZERS = '/metadata/finalizers'

function strings(x: unknown): string[] {
  if (typeof x === 'string') return [x]
  return Array.isArray(x) ? x.filter((f): f is string => typeof f === 'string') : []
}

function fromJsonPatch(patch: readonly unknown[]): FinalizerChange {
  const added: string[] = []
  const removed: string[] = []
  const tested = new Map<string, string>()
  let touched = false
  for (const entry of patch) {
    if (!isRecord(entry) || typeof entry.path !== 'string') continue
    if (entry.path !== FINALIZERS && !entry.path.startsWith(`${FINALIZERS}/`)) continue
    touched = true
    if (entry.op === 'add' || entry.op === 'replace') added.push(...strings(entry.value))
    // A `test` before a `remove` at the same index names the finalizer being removed.
    if (entry.op === 'test' && typeof entry.value === 'string') tested.set(entry.path, entry.value)
    if (entry.op === 'remove') {
      const name = tested.get(entry.path)
      if (name) removed.push(name)
    }
  }
  return { added, removed, touched }
}

/** Reads the finalizer part of a pod patch document (strategic merge, merge or JSON Patch). */
export function finalizerChange(request: unknown): FinalizerChange {
  if (Array.isArray(request)) return fromJsonPatch(request)
  const meta = isRecord(request) && isRecord(request.metadata) ? request.metadata : undefined
  if (!meta) return { added: [], removed: [], touched: false }
  const deletions = meta['$deleteFromPrimitiveList/finalizers']
  return {
    added: strings(meta.finalizers),
    removed: strings(deletions),
    touched: 'finalizers' in meta || deletions !== undefined,
  }
}

/**
 * `finalizer:<f>:add` for each finalizer the patch adds that the result holds, and
 * `finalizer:<f>:delete` for each it names for removal that the result lacks. `after` is the
 * response Pod's `metadata.finalizers` (unknown → trust the request). Removals the request does
 * not name (a merge patch replacing the list, a JSON Patch remove by index) cannot be told from
 * one record: the signal's `facts.finalizers` (the full set after the write) covers them.
 */
export function finalizerOps(
  change: FinalizerChange,
  after: readonly string[] | undefined,
): PodOp[] {
  const ops: PodOp[] = []
  for (const f of new Set(change.added)) {
    if (!after || after.includes(f)) ops.push({ op: `finalizer:${f}:add` })
  }
  for (const f of new Set(change.removed)) {
    if (!after?.includes(f)) ops.push({ op: `finalizer:${f}:delete` })
  }
  return ops
}
