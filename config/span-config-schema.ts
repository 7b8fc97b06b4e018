import * as v from 'valibot'
import { compileRe2, Re2SyntaxError } from './re2.ts'

const isPlainObject = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x)
const plainObject = (expected: string) => v.custom<Record<string, unknown>>(isPlainObject, expected)
const obj = <E extends v.ObjectEntries>(expected: string, entries: E) =>
  v.pipe(plainObject(expected), v.looseObject(entries))

/** A Go RE2 regex source → a compiled {@link Re2} (unanchored: it may match anywhere). */
const Regex = v.pipe(
  v.string('a regular expression source (Go RE2 syntax)'),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    try {
      return compileRe2(dataset.value)
    } catch (err: unknown) {
      if (!(err instanceof Re2SyntaxError)) throw err
      addIssue({ message: `a valid RE2 regular expression (${err.message})`, expected: 'regex' })
      return NEVER
    }
  }),
)

/** The matcher types: upstream `operation` and `event`, plus ours, `milestone` (LIFECYCLE §3). */
export const MATCHER_TYPES = ['operation', 'event', 'milestone'] as const

/**
 * One StartEvent/EndEvent/FinishEvent/DirectEvent matcher (upstream `HyperEvent`). Regexes are Go
 * RE2 syntax. `operation`: `Operation` (an operation string of LIFECYCLE §2, or an upstream family
 * key such as `finalizer:delete` or `containerState:set` that stands for all operations of that
 * kind) and/or `OperationRegex`; `NameRex` (alias `NameRegex`) on the operation string captures
 * the instance (`finalizer:(.*):delete`). `event`: `Reason` (alias `Name`, exact Event reason) or
 * `ReasonRegex`, `Component`; `NameRex` (alias `NameRegex`, `MessageRegex`) on the message
 * captures the instance; `DurationRex` (alias `DurationRegex`) captures a duration from the message
 * (a bare number is seconds, else a Go duration such as `532ms`). The first capture group (or the
 * group named `key`) names the span instance. `milestone` (ours): `Name` is a milestone of
 * LIFECYCLE §3.
 */
export const MatcherJson = v.pipe(
  obj('a matcher object { Type, ... }', {
    Type: v.picklist(MATCHER_TYPES, `one of ${MATCHER_TYPES.join(', ')}`),
    Operation: v.optional(v.string('an operation string such as "pod:create:success"')),
    OperationRegex: v.optional(Regex),
    Name: v.optional(v.string('an event reason or milestone name')),
    Reason: v.optional(v.string('an event reason such as "Pulled"')),
    ReasonRegex: v.optional(Regex),
    NameRex: v.optional(Regex),
    NameRegex: v.optional(Regex),
    MessageRegex: v.optional(Regex),
    DurationRex: v.optional(Regex),
    DurationRegex: v.optional(Regex),
    Component: v.optional(v.string('a reporting component such as "kubelet"')),
  }),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return
    const m = dataset.value
    const name = m.NameRex ?? m.NameRegex
    const any =
      m.Type === 'operation'
        ? (m.Operation ?? m.OperationRegex ?? name)
        : m.Type === 'event'
          ? (m.Reason ?? m.Name ?? m.ReasonRegex ?? name ?? m.MessageRegex)
          : m.Name
    if (any === undefined) {
      const needs =
        m.Type === 'operation'
          ? 'Operation, OperationRegex or NameRex'
          : m.Type === 'event'
            ? 'Reason, Name, ReasonRegex, NameRex or MessageRegex'
            : 'Name (a milestone)'
      addIssue({ message: `a ${m.Type} matcher with ${needs}`, expected: 'matcher' })
    }
  }),
)
/** A matcher after validation (regexes compiled). */
export type MatcherJson = v.InferOutput<typeof MatcherJson>

const Matchers = v.array(MatcherJson, 'an array of matchers')

/** Span modes: upstream `start-finish` and `direct-info`, plus ours, `builtin` (a §3 phase). */
export const SPAN_MODES = ['start-finish', 'direct-info', 'builtin'] as const

/** The builtin spans (LIFECYCLE §7) a `builtin` span's Type may name. */
export const BUILTIN_SPANS = [
  'schedule',
  'node_setup',
  'image_pull',
  'init',
  'container_start',
  'readiness',
  'graceful_stop',
  'finalizer',
] as const
/** A builtin span kind (one of {@link BUILTIN_SPANS}). */
export type BuiltinSpan = (typeof BUILTIN_SPANS)[number]

/**
 * One span of an entry (upstream `SpanConfig`): `Name` (unique per action; a default span of the
 * same Name replaces it; upstream fan-out spans have none, then `Type` names them), `Type`,
 * `NameRef` (a path into the pod, `spec.[name]containers.name`, `spec.[name]volumes.name`,
 * `metadata.[$]finalizers.$`: one span per value, matched by the NameRex captures), `SpanOwner`
 * (who owns its time, default `k8s`), `Mode` (default `start-finish`), `StartEvent`, `EndEvent`
 * (or `FinishEvent`) and `DirectEvent` matchers, `NeedClose` (a started span without an end ends
 * with the action), `Omitempty` (accepted: spans without times are always left out here).
 */
export const SpanJson = v.pipe(
  obj('a span object { Name, Type, SpanOwner, Mode, StartEvent, EndEvent }', {
    Name: v.optional(v.pipe(v.string('a span name'), v.minLength(1, 'a non-empty span name'))),
    Type: v.optional(v.string('a span type'), ''),
    NameRef: v.optional(v.pipe(v.string('a "."-separated path'), v.minLength(1))),
    SpanOwner: v.optional(v.string('a span owner such as "k8s" or "user"'), 'k8s'),
    Mode: v.optional(v.picklist(SPAN_MODES, `one of ${SPAN_MODES.join(', ')}`), 'start-finish'),
    StartEvent: v.optional(Matchers, []),
    EndEvent: v.optional(Matchers),
    FinishEvent: v.optional(Matchers),
    DirectEvent: v.optional(Matchers, []),
    NeedClose: v.optional(v.boolean('true or false'), false),
    Omitempty: v.optional(v.boolean('true or false'), false),
  }),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return
    const s = dataset.value
    const ends = [...(s.EndEvent ?? []), ...(s.FinishEvent ?? [])]
    if ((s.Name ?? s.Type) === '') {
      addIssue({ message: 'a Name (or a Type that names the span)', expected: 'name' })
    } else if (s.Mode === 'builtin' && !(BUILTIN_SPANS as readonly string[]).includes(s.Type)) {
      const message = `a builtin span Type: one of ${BUILTIN_SPANS.join(', ')}`
      addIssue({ message, expected: 'builtin', path: [pathOf(s, 'Type')] })
    } else if (s.Mode === 'start-finish' && ends.length === 0) {
      addIssue({ message: 'EndEvent (or FinishEvent) matchers', expected: 'matchers' })
    } else if (s.Mode === 'direct-info' && ends.length + s.DirectEvent.length === 0) {
      addIssue({ message: 'DirectEvent (or EndEvent) matchers', expected: 'matchers' })
    }
  }),
)
/** A span after validation. */
export type SpanJson = v.InferOutput<typeof SpanJson>

function pathOf(input: Record<string, unknown>, key: string) {
  return { type: 'object', origin: 'value', input, key, value: input[key] } as const
}

const ExtraProperty = obj('an extra property { Name, ValueRex, NeedMetric }', {
  Name: v.optional(v.string('an attribute name'), ''),
  ValueRex: v.pipe(v.string('a "#"-separated path such as "metadata#labels#app"'), v.minLength(1)),
  NeedMetric: v.optional(v.boolean('true or false'), false),
})

/** The lifecycle actions a span config entry may describe (LIFECYCLE §7). */
export const ACTION_TYPES = ['PodCreate', 'PodDelete'] as const

/** One entry of the upstream span config: an action of an object kind and its spans. */
export const SpanEntryJson = obj('an entry { ObjectRef, ActionType, LifeFlag, Spans }', {
  ObjectRef: v.optional(
    obj('an object reference { Resource, Name, APIVersion }', {
      Resource: v.optional(v.picklist(['pods'], 'only "pods"'), 'pods'),
      Name: v.optional(v.string('a name'), ''),
      APIVersion: v.optional(v.string('an API version'), 'v1'),
    }),
    {},
  ),
  ActionType: v.picklist(ACTION_TYPES, `one of ${ACTION_TYPES.join(', ')}`),
  LifeFlag: v.optional(
    obj('a LifeFlag { Mode, StartEvent, FinishEvent }', {
      Mode: v.optional(v.picklist(['start-finish'], 'only "start-finish"'), 'start-finish'),
      StartName: v.optional(v.string('an instance name')),
      FinishName: v.optional(v.string('an instance name')),
      StartEvent: v.optional(Matchers, []),
      FinishEvent: v.optional(Matchers),
      EndEvent: v.optional(Matchers),
    }),
  ),
  ExtraProperties: v.optional(
    v.pipe(plainObject('an object of name → property'), v.record(v.string(), ExtraProperty)),
    {},
  ),
  Spans: v.optional(v.array(SpanJson, 'an array of spans'), []),
})
/** An entry after validation. */
export type SpanEntryJson = v.InferOutput<typeof SpanEntryJson>

/** valibot schema of the upstream span config JSON (an array of entries), with our extensions. */
export const SpanConfigJson = v.array(SpanEntryJson, 'an array of span config entries')
/** A span config after validation. */
export type SpanConfigJson = v.InferOutput<typeof SpanConfigJson>

/** Whether a key names a script: a word `lua` or `script` in it (`LuaScript`, `script_path`). */
function isScriptKey(key: string): boolean {
  const words = key.split(/(?<=[a-z0-9])(?=[A-Z])|[^A-Za-z0-9]+/).map((w) => w.toLowerCase())
  return words.some((w) => w === 'lua' || w === 'script' || w === 'scripts' || w === 'luascript')
}
const LUA_VALUE = /\.lua\b|^lua\b|\blua[-_ ]?script/i

/**
 * Finds a Lua script anywhere in the raw config: a key naming one (`LuaScript`, `Script`,
 * `ScriptPath`…), or a string value that is one (`foo.lua`, Mode `lua`). Returns its JSON path.
 */
export function findLua(node: unknown, path: (string | number)[] = []): (string | number)[] | null {
  if (typeof node === 'string') return LUA_VALUE.test(node.trim()) ? path : null
  if (Array.isArray(node)) {
    for (const [i, item] of node.entries()) {
      const found = findLua(item, [...path, i])
      if (found) return found
    }
    return null
  }
  if (!isPlainObject(node)) return null
  for (const [key, value] of Object.entries(node)) {
    if (isScriptKey(key)) return [...path, key]
    const found = findLua(value, [...path, key])
    if (found) return found
  }
  return null
}
