/**
 * FailedScheduling messages (kube-scheduler, legacy and newer wordings), e.g.
 * `0/6 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 2 node(s) had
 * taint {node.kubernetes.io/not-ready: }, that the pod didn't tolerate, 3 Insufficient cpu.` or
 * `0/3 nodes are available: 3 node(s) had untolerated taint {node-role.kubernetes.io/control-plane:
 * }. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.`
 */

/** The Unschedulable.* sub-causes, in tie-break order. */
export const SCHEDULE_CAUSES = [
  'Unschedulable.InsufficientResources',
  'Unschedulable.TaintNotTolerated',
  'Unschedulable.AffinityMismatch',
  'Unschedulable.VolumeBinding',
  'Unschedulable.NoNodes',
  'Unschedulable.Other',
] as const
export type ScheduleCause = (typeof SCHEDULE_CAUSES)[number]

/** One `<count> <reason>` item of the message. */
export interface ScheduleItem {
  count: number
  text: string
  cause: ScheduleCause
  /** Resource name, taint key or constraint this item names. */
  subject: string | null
}

/** A parsed FailedScheduling message. */
export interface ParsedScheduling {
  /** The primary sub-cause: the largest node count, ties in {@link SCHEDULE_CAUSES} order. */
  cause: ScheduleCause
  /** Every sub-cause present, primary first. */
  causes: ScheduleCause[]
  /** `N` of `0/N nodes are available`, when present. */
  nodes: number | null
  items: ScheduleItem[]
  /** The message without the `preemption: …` part and the final period. */
  head: string
  /** The subjects of the primary cause (resources, taint keys, constraints), distinct. */
  subjects: string[]
}

const AVAILABLE = /^0\/(\d+) nodes are available(?::\s*(.*))?$/s
const ITEM = /^(\d+)\s+(.*)$/s
const TAINT_OPEN = /taints?\s*\{/

/**
 * The key of the first `taint {key: value}` / `taints {key}` (trimmed), or `''`. The pattern
 * `taints?\s*\{([^:}]*)(?::[^}]*)?\}` retried its scans from every `taint {` without a closing
 * brace (quadratic); here the first opening is found, then its key and closing brace by index.
 * Same result: when the first opening has no closing brace after it, no later one has.
 */
export function taintKey(text: string): string {
  const open = TAINT_OPEN.exec(text)
  if (!open) return ''
  const from = open.index + open[0].length
  let end = from
  while (end < text.length && text[end] !== ':' && text[end] !== '}') end++
  if (end >= text.length) return ''
  if (text[end] === ':' && text.indexOf('}', end) < 0) return ''
  return text.slice(from, end).trim()
}

/** `text` without its trailing periods (a loop: `/\.+$/` is quadratic on runs of dots). */
export function trimTrailingDots(text: string): string {
  let end = text.length
  while (end > 0 && text[end - 1] === '.') end--
  return text.slice(0, end)
}

const PREEMPTION = /preemption:/i
const INSUFFICIENT = /^Insufficient\s+(\S+)/

/** Taints the node lifecycle controller sets for node conditions: the platform's business. */
const NODE_CONDITION_TAINTS = new Set([
  'node.kubernetes.io/not-ready',
  'node.kubernetes.io/unreachable',
  'node.kubernetes.io/unschedulable',
  'node.kubernetes.io/memory-pressure',
  'node.kubernetes.io/disk-pressure',
  'node.kubernetes.io/pid-pressure',
  'node.kubernetes.io/network-unavailable',
  'node.cloudprovider.kubernetes.io/uninitialized',
  'node.cloudprovider.kubernetes.io/shutdown',
])

const AFFINITY: [RegExp, string][] = [
  [/node affinity\/selector|node selector|Pod's node affinity/i, 'node affinity/selector'],
  [/pod affinity\/anti-affinity/i, 'pod affinity/anti-affinity'],
  [/existing pods anti-affinity/i, "existing pods' anti-affinity"],
  [/pod anti-affinity/i, 'pod anti-affinity'],
  [/pod affinity/i, 'pod affinity'],
  [/topology spread/i, 'topology spread constraints'],
  [/requested node name|requested hostname/i, 'node name'],
]

const VOLUME =
  /unbound immediate PersistentVolumeClaims|volume node affinity conflict|persistentvolumeclaims? "[^"]*" (not found|is being deleted)|available persistent volumes to bind|pvc\(s\) bound to non-existent pv|no available volume zone|VolumeBinding/i

const NO_NODES =
  /no nodes available to schedule pods|were unschedulable|were not ready|node\(s\) (had|were)( out of)? (disk|memory|pid) pressure|node\(s\) were out of disk|unreachable/i

function classifyItem(text: string): Pick<ScheduleItem, 'cause' | 'subject'> {
  const insufficient = INSUFFICIENT.exec(text)
  if (insufficient?.[1]) return { cause: SCHEDULE_CAUSES[0], subject: insufficient[1] }
  if (/^Too many pods/i.test(text)) return { cause: SCHEDULE_CAUSES[0], subject: 'pods' }
  if (/free ports/i.test(text)) return { cause: SCHEDULE_CAUSES[0], subject: 'host ports' }
  if (/exceed max volume count/i.test(text)) {
    return { cause: SCHEDULE_CAUSES[0], subject: 'attachable volumes' }
  }
  if (/out of disk space/i.test(text)) return { cause: SCHEDULE_CAUSES[0], subject: 'disk' }
  if (/taint/i.test(text)) {
    const key = taintKey(text)
    if (NODE_CONDITION_TAINTS.has(key)) return { cause: 'Unschedulable.NoNodes', subject: key }
    return { cause: 'Unschedulable.TaintNotTolerated', subject: key === '' ? null : key }
  }
  if (VOLUME.test(text)) return { cause: 'Unschedulable.VolumeBinding', subject: null }
  for (const [re, subject] of AFFINITY) {
    if (re.test(text)) return { cause: 'Unschedulable.AffinityMismatch', subject }
  }
  if (NO_NODES.test(text)) return { cause: 'Unschedulable.NoNodes', subject: null }
  return { cause: 'Unschedulable.Other', subject: null }
}

/**
 * A message without the `0/N nodes` list. Quoted and bound names are blanked first so that no pod,
 * claim or node name can steer the classification.
 */
function classifyWhole(
  head: string,
  nodes: number | null,
): Pick<ScheduleItem, 'cause' | 'subject'> {
  if (nodes === 0) return { cause: 'Unschedulable.NoNodes', subject: null }
  if (/^binding rejected|already assigned to node/i.test(head)) {
    return { cause: 'Unschedulable.Other', subject: null }
  }
  if (/plugin "VolumeBinding"/.test(head))
    return { cause: 'Unschedulable.VolumeBinding', subject: null }
  return classifyItem(head.replace(/"[^"]*"/g, '""'))
}

/**
 * Cuts the `preemption: …` suffix (1.24+) and surrounding periods and spaces: what a search for
 * `\.?\s*preemption:` cut, found without backtracking over the spaces before each candidate.
 */
export function stripPreemption(message: string): string {
  const found = PREEMPTION.exec(message)
  let at = found ? found.index : message.length
  while (at > 0 && /\s/.test(message[at - 1] ?? '')) at--
  if (found && at > 0 && message[at - 1] === '.') at--
  return trimTrailingDots(message.slice(0, at).trim()).trim()
}

/** Splits `1 node(s) had taint {k: }, that the pod didn't tolerate, 2 Insufficient cpu`. */
function splitItems(list: string): ScheduleItem[] {
  const items: ScheduleItem[] = []
  for (const raw of list.split(/,\s+(?=\d+\s)/)) {
    const m = ITEM.exec(raw.trim())
    const count = nodeCount(m?.[1])
    if (count === null || m?.[2] === undefined) continue
    const text = trimTrailingDots(m[2].trim())
    items.push({ count, text, ...classifyItem(text) })
  }
  return items
}

/** A node count the message states, or null: a digit run past 2^53 is no count (it was ∞). */
function nodeCount(digits: string | undefined): number | null {
  const n = digits === undefined ? Number.NaN : Number(digits)
  return Number.isSafeInteger(n) ? n : null
}

function order(cause: ScheduleCause): number {
  return SCHEDULE_CAUSES.indexOf(cause)
}

/**
 * Parses a FailedScheduling message (or a PodScheduled=False/Unschedulable condition message).
 * The primary sub-cause is the one with the largest node count (per cause, the largest item, since
 * one node can fail several filters); ties follow {@link SCHEDULE_CAUSES}. Messages without the
 * `0/N nodes` list (`no nodes available to schedule pods`, `persistentvolumeclaim "x" not found`,
 * `binding rejected: …`) are classified as a whole.
 */
export function parseScheduling(message: string): ParsedScheduling {
  const head = stripPreemption(message.replace(/\s+/g, ' '))
  const available = AVAILABLE.exec(head)
  const nodes = nodeCount(available?.[1])
  let items = available?.[2] ? splitItems(available[2]) : []
  if (items.length === 0) items = [{ count: nodes ?? 0, text: head, ...classifyWhole(head, nodes) }]
  const best = new Map<ScheduleCause, number>()
  for (const item of items) best.set(item.cause, Math.max(best.get(item.cause) ?? 0, item.count))
  const causes = [...best.keys()].sort(
    (a, b) => (best.get(b) ?? 0) - (best.get(a) ?? 0) || order(a) - order(b),
  )
  const cause = causes[0] ?? 'Unschedulable.Other'
  const subjects: string[] = []
  for (const item of items) {
    if (item.cause === cause && item.subject !== null && !subjects.includes(item.subject)) {
      subjects.push(item.subject)
    }
  }
  return { cause, causes, nodes, items, head, subjects }
}

/** FailedScheduling events that are not scheduling failures (the pod is being deleted). */
export function isSchedulingNoise(message: string): boolean {
  return message.startsWith('skip schedule deleting pod')
}

const EXPLAIN: Record<ScheduleCause, (p: ParsedScheduling) => string> = {
  'Unschedulable.InsufficientResources': (p) =>
    `no node has enough free ${p.subjects.join(', ') || 'resources'} for the pod's requests`,
  'Unschedulable.TaintNotTolerated': (p) =>
    p.subjects.length > 0
      ? `the pod does not tolerate taint ${p.subjects.join(', ')}`
      : "the pod does not tolerate the nodes' taints",
  'Unschedulable.AffinityMismatch': (p) =>
    `no node satisfies the pod's ${p.subjects.join(', ') || 'placement constraints'}`,
  'Unschedulable.VolumeBinding': () => "the pod's volumes cannot be bound or placed on any node",
  'Unschedulable.NoNodes': () => 'no ready, schedulable node is available',
  'Unschedulable.Other': (p) =>
    /already assigned to node/.test(p.head)
      ? 'the pod was already bound (a binding race, harmless once bound)'
      : 'the scheduler could not place the pod',
}

/** One human line: the scheduler's words, then what they mean. */
export function schedulingSummary(p: ParsedScheduling): string {
  const head = p.head.length > 160 ? `${p.head.slice(0, 159)}…` : p.head
  return `${head} — ${EXPLAIN[p.cause](p)}`
}

/** Detail line: every item of the message, grouped under its cause. */
export function schedulingDetail(p: ParsedScheduling): string {
  if (p.nodes === null) return `message: ${p.head}`
  const named = p.cause === 'Unschedulable.InsufficientResources' ? 'resources' : 'subjects'
  const lead = p.subjects.length > 0 ? `${named}: ${p.subjects.join(', ')}; ` : ''
  return `${lead}nodes: ${p.items.map((i) => `${i.count} ${i.text}`).join('; ')}`
}
