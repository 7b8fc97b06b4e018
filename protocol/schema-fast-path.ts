import type * as v from 'valibot'

/** What a compiled check returns for a value it does not pass (the full schema then decides). */
export const REJECTED: unique symbol = Symbol('rejected')

/** A compiled success path: the schema's output for a value it accepts, else `REJECTED`. */
export type FastPath = (value: unknown) => unknown

// Valibot schema and action objects, read structurally (their public fields).
interface Node {
  readonly type: string
  readonly kind?: string
  readonly entries?: Record<string, Node>
  readonly wrapped?: Node
  readonly default?: unknown
  readonly fallback?: unknown
  readonly literal?: unknown
  readonly options?: readonly unknown[]
  readonly item?: Node
  readonly key?: Node | string
  readonly value?: Node
  readonly pipe?: readonly Node[]
  readonly requirement?: unknown
}

/** `Object.prototype.hasOwnProperty`, as valibot's record uses it. */
const own = Object.prototype.hasOwnProperty

/** Keys valibot's record skips. */
function validRecordKey(obj: object, key: string): boolean {
  return own.call(obj, key) && key !== '__proto__' && key !== 'prototype' && key !== 'constructor'
}

function unsupported(what: string): never {
  throw new Error(`schema fast path: unsupported ${what}`)
}

function action(a: Node): (x: never) => boolean {
  const r = a.requirement
  switch (a.type) {
    case 'integer':
      return Number.isInteger
    case 'safe_integer':
      return Number.isSafeInteger
    case 'finite':
      return Number.isFinite
    case 'min_value':
      if (typeof r !== 'number') unsupported('min_value requirement')
      return (x: number) => x >= r
    case 'max_value':
      if (typeof r !== 'number') unsupported('max_value requirement')
      return (x: number) => x <= r
    case 'regex':
      if (!(r instanceof RegExp) || r.global || r.sticky) unsupported('regex flags')
      return (x: string) => r.test(x)
    default:
      return unsupported(`action ${a.type}`)
  }
}

function compileNode(s: Node): FastPath {
  if (s.pipe) {
    const [base, ...actions] = s.pipe
    if (!base) unsupported('empty pipe')
    const run = compileNode(base)
    const checks = actions.map(action) as ((x: unknown) => boolean)[]
    return (x) => {
      const out = run(x)
      if (out === REJECTED) return REJECTED
      for (const check of checks) if (!check(out)) return REJECTED
      return out
    }
  }
  if (s.fallback !== undefined) unsupported('fallback')
  switch (s.type) {
    case 'unknown':
      return (x) => x
    case 'string':
      return (x) => (typeof x === 'string' ? x : REJECTED)
    case 'number':
      return (x) => (typeof x === 'number' && !Number.isNaN(x) ? x : REJECTED)
    case 'boolean':
      return (x) => (typeof x === 'boolean' ? x : REJECTED)
    case 'literal': {
      const lit = s.literal
      return (x) => (x === lit ? x : REJECTED)
    }
    case 'picklist': {
      const options = s.options ?? []
      return (x) => (options.includes(x) ? x : REJECTED)
    }
    case 'optional':
    case 'nullable': {
      if (s.default !== undefined || !s.wrapped) unsupported(`${s.type} with a default`)
      const run = compileNode(s.wrapped)
      const empty = s.type === 'optional' ? undefined : null
      return (x) => (x === empty ? x : run(x))
    }
    case 'array': {
      if (!s.item) unsupported('array item')
      const run = compileNode(s.item)
      return (x) => {
        if (!Array.isArray(x)) return REJECTED
        const out: unknown[] = []
        for (const item of x) {
          const o = run(item)
          if (o === REJECTED) return REJECTED
          out.push(o)
        }
        return out
      }
    }
    case 'record':
      return compileRecord(s)
    case 'object':
      return compileObject(s)
    case 'variant':
      return compileVariant(s)
    default:
      return unsupported(`schema ${s.type}`)
  }
}

function compileRecord(s: Node): FastPath {
  if (typeof s.key !== 'object' || !s.value) unsupported('record')
  const key = compileNode(s.key)
  const value = compileNode(s.value)
  return (x) => {
    if (!x || typeof x !== 'object') return REJECTED
    const out: Record<string, unknown> = {}
    for (const k in x) {
      if (!validRecordKey(x, k)) continue
      const ko = key(k)
      const vo = value((x as Record<string, unknown>)[k])
      if (ko === REJECTED || vo === REJECTED) return REJECTED
      out[ko as string] = vo
    }
    return out
  }
}

function isOptional(s: Node): boolean {
  return s.type === 'optional' || s.type === 'nullish' || s.type === 'exact_optional'
}

function compileObject(s: Node): FastPath {
  const entries = Object.entries(s.entries ?? {}).map(([k, e]) => {
    if (e.fallback !== undefined || (isOptional(e) && e.default !== undefined)) {
      unsupported('object entry default')
    }
    return { k, run: compileNode(e), optional: isOptional(e) }
  })
  return (x) => {
    // Arrays are objects to valibot too; the full schema decides them.
    if (!x || typeof x !== 'object' || Array.isArray(x)) return REJECTED
    const input = x as Record<string, unknown>
    const out: Record<string, unknown> = {}
    for (const e of entries) {
      if (e.k in input) {
        const o = e.run(input[e.k])
        if (o === REJECTED) return REJECTED
        out[e.k] = o
      } else if (!e.optional) return REJECTED
    }
    return out
  }
}

function compileVariant(s: Node): FastPath {
  const key = s.key
  if (typeof key !== 'string') unsupported('variant key')
  const byTag = new Map<unknown, FastPath>()
  for (const option of (s.options ?? []) as Node[]) {
    const tag = option.entries?.[key]
    if (option.type !== 'object' || tag?.type !== 'literal' || byTag.has(tag.literal)) {
      unsupported('variant option')
    }
    byTag.set(tag.literal, compileObject(option))
  }
  return (x) => {
    if (!x || typeof x !== 'object' || Array.isArray(x)) return REJECTED
    const run = byTag.get((x as Record<string, unknown>)[key])
    return run ? run(x) : REJECTED
  }
}

/**
 * Compiles the success path of a valibot schema (objects, records, arrays, variants on a literal
 * tag, optional/nullable without defaults, primitives, and number/regex checks): for a value the
 * schema accepts, the compiled function returns what `v.parse` would (same keys in the same
 * order, unknown keys stripped) without valibot's per-node bookkeeping; for any other value it
 * returns `REJECTED`, and the caller runs the full schema for its verdict and issue. Throws on a
 * schema it cannot compile (a caller then uses the full schema alone).
 */
export function compileFastPath(schema: v.GenericSchema): FastPath {
  return compileNode(schema as unknown as Node)
}
