import * as v from 'valibot'
import defaultsJson from './defaults/span-config.json' with { type: 'json' }
import { DurationError, parseGoDuration } from './duration.ts'
import type { Re2 } from './re2.ts'
import {
  type BuiltinSpan,
  findLua,
  type MatcherJson,
  SpanConfigJson,
  type SpanEntryJson,
} from './span-config-schema.ts'

export type { BuiltinSpan } from './span-config-schema.ts'

/**
 * An invalid span config: `key` is the JSON path (`[0].Spans[2].Mode`), `span` the name of the span
 * (or entry) it is in, when known, `problem` what is wrong. Message: `invalid span config[ in
 * <origin>]: <key> (span "<span>"): <problem>`.
 */
export class SpanConfigError extends Error {
  override readonly name = 'SpanConfigError'
  readonly key: string
  readonly span: string | null
  readonly problem: string
  readonly origin: string | null

  constructor(init: { key: string; span: string | null; problem: string; origin?: string | null }) {
    const origin = init.origin ?? null
    const where = origin === null ? '' : ` in ${origin}`
    const span = init.span === null ? '' : ` (span ${JSON.stringify(init.span)})`
    super(`invalid span config${where}: ${init.key || '(root)'}${span}: ${init.problem}`)
    this.key = init.key
    this.span = init.span
    this.problem = init.problem
    this.origin = origin
  }
}

/**
 * A resolved matcher: what to look for in the pod's operations, Events or milestones. Regexes are
 * compiled RE2; `name` is the regex whose capture names the instance (on the message for events,
 * on the operation string for operations); `duration` captures a duration from the message.
 */
export interface SpanMatcher {
  readonly type: MatcherJson['Type']
  /** Exact operation string (or upstream family key), event reason or milestone name. */
  readonly exact: string | null
  /** Regex on the operation string (operation) or on the event reason (event). */
  readonly regex: Re2 | null
  /** NameRex: regex on the message (event) or the operation string (operation); captures the instance. */
  readonly name: Re2 | null
  readonly component: string | null
  readonly duration: Re2 | null
  /**
   * `name` came from upstream's `NameRex`: it names instances of the span's `NameRef` only; on a
   * span without NameRef it is not a filter (upstream matches such events whatever the name).
   */
  readonly nameRex: boolean
}

/** A resolved span rule. `builtin` names the §3 phase a `builtin` span stands for. */
export interface SpanRule {
  readonly name: string
  readonly type: string
  readonly owner: string
  readonly mode: 'start-finish' | 'direct-info' | 'builtin'
  readonly builtin: BuiltinSpan | null
  /** NameRef path segments: one span per value found in the pod (`null`: a single span). */
  readonly nameRef: readonly string[] | null
  readonly needClose: boolean
  readonly start: readonly SpanMatcher[]
  /** EndEvent + FinishEvent; for `direct-info` also DirectEvent. */
  readonly end: readonly SpanMatcher[]
}

/** An extra root-span attribute read from the pod by a `#`-separated path. */
export interface ExtraProperty {
  readonly key: string
  readonly path: readonly string[]
  readonly needMetric: boolean
}

/** The LifeFlag of an entry: tracking starts at a StartEvent and ends at the first FinishEvent. */
export interface LifeFlag {
  readonly start: readonly SpanMatcher[]
  readonly finish: readonly SpanMatcher[]
}

/** One resolved entry: the spans of one action. */
export interface SpanEntry {
  readonly action: 'PodCreate' | 'PodDelete'
  readonly name: string
  readonly life: LifeFlag | null
  readonly extras: readonly ExtraProperty[]
  readonly spans: readonly SpanRule[]
}

/** A resolved span config (LIFECYCLE §7). */
export type SpanConfig = readonly SpanEntry[]

function matcher(m: MatcherJson): SpanMatcher {
  const exact =
    m.Type === 'operation' ? m.Operation : m.Type === 'event' ? (m.Reason ?? m.Name) : m.Name
  const regex = m.Type === 'operation' ? m.OperationRegex : m.ReasonRegex
  const name = m.NameRex ?? m.NameRegex ?? (m.Type === 'event' ? m.MessageRegex : undefined)
  return {
    type: m.Type,
    exact: exact ?? null,
    regex: regex ?? null,
    name: m.Type === 'milestone' ? null : (name ?? null),
    component: m.Component ?? null,
    duration: m.DurationRex ?? m.DurationRegex ?? null,
    nameRex: m.NameRex !== undefined,
  }
}

/** `spec.[name]containers.name` → `spec`, `containers`, `name` (match keys dropped). */
function nameRefPath(ref: string): string[] {
  return ref.split('.').map((seg) => seg.replace(/^\[[^\]]*\]/, ''))
}

function resolve(entry: SpanEntryJson): SpanEntry {
  const life = entry.LifeFlag
  return {
    action: entry.ActionType,
    name: entry.ObjectRef.Name,
    life: life
      ? {
          start: life.StartEvent.map(matcher),
          finish: [...(life.FinishEvent ?? []), ...(life.EndEvent ?? [])].map(matcher),
        }
      : null,
    extras: Object.entries(entry.ExtraProperties).map(([key, p]) => ({
      key: p.Name || key,
      path: p.ValueRex.split('#'),
      needMetric: p.NeedMetric,
    })),
    spans: entry.Spans.map((s) => ({
      name: s.Name ?? s.Type,
      type: s.Type || (s.Name ?? ''),
      owner: s.SpanOwner,
      mode: s.Mode,
      builtin: s.Mode === 'builtin' ? (s.Type as BuiltinSpan) : null,
      nameRef: s.NameRef === undefined ? null : nameRefPath(s.NameRef),
      needClose: s.NeedClose,
      start: s.StartEvent.map(matcher),
      end: [...(s.EndEvent ?? []), ...(s.FinishEvent ?? []), ...s.DirectEvent].map(matcher),
    })),
  }
}

function keyOf(path: readonly (string | number)[]): string {
  let key = ''
  for (const k of path) {
    if (typeof k === 'number') key += `[${k}]`
    else key += /^[\w$-]+$/.test(k) ? (key === '' ? k : `.${k}`) : `[${JSON.stringify(k)}]`
  }
  return key
}

/** The name of the span (or else the entry) a path points into, read from the raw config. */
function spanNameAt(input: unknown, path: readonly (string | number)[]): string | null {
  const entry = Array.isArray(input) ? (input[Number(path[0])] as unknown) : undefined
  if (typeof entry !== 'object' || entry === null) return null
  const e = entry as { Spans?: unknown; ObjectRef?: { Name?: unknown }; ActionType?: unknown }
  if (path[1] === 'Spans' && Array.isArray(e.Spans) && typeof path[2] === 'number') {
    const span = e.Spans[path[2]] as { Name?: unknown; Type?: unknown } | undefined
    if (typeof span?.Name === 'string') return span.Name
    if (typeof span?.Type === 'string' && span.Type !== '') return span.Type
    return `Spans[${path[2]}]`
  }
  const name = e.ObjectRef?.Name
  if (typeof name === 'string' && name !== '') return name
  return typeof e.ActionType === 'string' ? e.ActionType : null
}

/**
 * Validates and resolves a span config value (parsed JSON): an array of upstream entries
 * (`ObjectRef`, `ActionType`, `LifeFlag`, `ExtraProperties`, `Spans`). Lua is never executed: any
 * Lua script (a `LuaScript`/`Script` key, a `.lua` file, a `lua` Mode) is rejected.
 *
 * @throws {SpanConfigError} naming the JSON path and the span of the first problem.
 */
export function parseSpanConfig(input: unknown, origin: string | null = null): SpanConfig {
  const lua = findLua(input)
  if (lua) {
    throw new SpanConfigError({
      key: keyOf(lua),
      span: spanNameAt(input, lua),
      problem:
        'Lua scripts are not supported (they are never executed); describe the span with ' +
        'StartEvent/EndEvent matchers of Type operation, event or milestone instead',
      origin,
    })
  }
  const result = v.safeParse(SpanConfigJson, input)
  if (result.success) return result.output.map(resolve)
  const issue = result.issues[0]
  const path = (issue.path ?? []).map((p) => p.key as string | number)
  const shown = JSON.stringify(issue.input) ?? 'undefined'
  const problem =
    issue.input === undefined
      ? `is missing (expected ${issue.message})`
      : `${shown.slice(0, 80)} is not ${issue.message}`
  throw new SpanConfigError({ key: keyOf(path), span: spanNameAt(input, path), problem, origin })
}

/**
 * Parses span config JSON text; `origin` (a file path, an env var name) appears in every error.
 *
 * @throws {SpanConfigError} for a JSON syntax error or an invalid config.
 */
export function parseSpanConfigText(text: string, origin: string): SpanConfig {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err: unknown) {
    const problem = `text is not valid JSON: ${err instanceof Error ? err.message : String(err)}`
    throw new SpanConfigError({ key: '', span: null, problem, origin })
  }
  return parseSpanConfig(json, origin)
}

/**
 * Our default span config for vanilla Kubernetes (`config/defaults/span-config.json`): the builtin
 * spans of LIFECYCLE §7 for PodCreate and PodDelete.
 */
export const DEFAULT_SPAN_CONFIG: SpanConfig = parseSpanConfig(
  defaultsJson,
  'defaults/span-config.json',
)

/**
 * The default config with `extra` laid over it: a span of the same action and Name replaces the
 * default one, others are added; extra properties add up; the last LifeFlag given wins.
 */
export function mergeSpanConfig(
  extra: SpanConfig,
  base: SpanConfig = DEFAULT_SPAN_CONFIG,
): SpanConfig {
  const out: SpanEntry[] = []
  for (const action of ['PodCreate', 'PodDelete'] as const) {
    const entries = [...base, ...extra].filter((e) => e.action === action)
    if (entries.length === 0) continue
    const spans = new Map<string, SpanRule>()
    for (const e of entries) for (const s of e.spans) spans.set(s.name, s)
    out.push({
      action,
      name: entries.map((e) => e.name).find((n) => n !== '') ?? '',
      life: entries.reduce<LifeFlag | null>((life, e) => e.life ?? life, null),
      extras: entries.flatMap((e) => e.extras),
      spans: [...spans.values()],
    })
  }
  return out
}

/**
 * Parses a duration captured by a `DurationRegex` into ms: a bare number is seconds (`9.84`),
 * anything else a Go duration (`532ms`, `1m2s`). Returns null for anything unparsable.
 */
export function capturedDurationMs(text: string): number | null {
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000
  try {
    return parseGoDuration(text)
  } catch (err: unknown) {
    if (err instanceof DurationError) return null
    throw err
  }
}
