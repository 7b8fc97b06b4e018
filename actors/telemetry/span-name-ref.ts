import type { PodState } from '../lifecycle/pod-state.ts'
import { podView } from './span-attributes.ts'

/** The values a path reaches: arrays fan out, `$` stands for the element itself. */
function walk(node: unknown, path: readonly string[]): string[] {
  if (Array.isArray(node)) return node.flatMap((el) => walk(el, path))
  const [step, ...rest] = path
  if (step === undefined || step === '$') {
    return typeof node === 'string' || typeof node === 'number' ? [String(node)] : []
  }
  if (typeof node !== 'object' || node === null || !Object.hasOwn(node, step)) return []
  return walk((node as Record<string, unknown>)[step], rest)
}

/** Finalizers the pod had at any time: the spec's list and those named by finalizer operations. */
function finalizersSeen(state: PodState): string[] {
  const out = new Set(state.facts.finalizers ?? [])
  for (const op of Object.keys(state.ops)) {
    const m = /^finalizer:(.+):(?:add|delete)$/.exec(op)
    if (m?.[1]) out.add(m[1])
  }
  return [...out]
}

/**
 * The span instances an upstream `NameRef` names on this pod (`spec.[name]containers.name` → the
 * container names, `spec.[name]containers.image` → their images, `metadata.[$]finalizers.$` →
 * every finalizer the pod had), sorted and unique. Empty when the pod does not carry that field
 * (volume names are not among the facts a signal keeps): callers then fall back to the names the
 * NameRex captures.
 */
export function nameRefValues(state: PodState, path: readonly string[]): string[] {
  const found =
    path[0] === 'metadata' && path[1] === 'finalizers'
      ? finalizersSeen(state)
      : walk(podView(state), path)
  return [...new Set(found)].sort()
}
