import fc from 'fast-check'
import { MAX_MESSAGE_BYTES } from '../../protocol/limits.ts'

/**
 * Hostile inputs for the fuzz properties: JSON values a tenant can write (through the API server
 * or a log pipeline), with the numbers, times, strings and keys that broke us before (issue #10).
 */

/** Numbers JSON can carry, and what `JSON.parse` makes of `1e309` and `-1e309`. */
export const hostileNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(
    0,
    -0,
    -1,
    1,
    0.5,
    -(2 ** 31),
    2 ** 31,
    2 ** 53,
    -(2 ** 53) - 2,
    1e21,
    1e308,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    Number.MAX_VALUE,
    Number.MIN_VALUE,
  ),
  fc.integer(),
  fc.double({ noNaN: true }),
)

/** RFC 3339-looking times, in and far out of 1970–9999, and near misses. */
export const hostileTime: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '1960-01-01T00:00:00Z',
    '1969-12-31T23:59:59.999999Z',
    '1970-01-01T00:00:00Z',
    '0001-01-01T00:00:00Z',
    '0070-06-01T00:00:00Z',
    '9999-12-31T23:59:59.999999Z',
    '9999-12-31T23:30:00-01:00',
    '2021-02-30T25:61:61Z',
    '2021-09-14T14:27:17.123456789123456789Z',
    '2021-09-14 14:27:17+0530',
    '2021-09-14T14:27:17',
    '',
  ),
  fc
    .date({ min: new Date(-8.64e15), max: new Date(8.64e15), noInvalidDate: true })
    .map((d) => d.toISOString()),
)

/** Tokens the message parsers' patterns react to, to build adversarial text from. */
const TOKENS = [
  ' ',
  '\t',
  '\n',
  '.',
  ':',
  '{',
  '}',
  '"',
  '/',
  ',',
  '0',
  '9',
  'a',
  'taint',
  'taints {',
  'body:',
  ' body: ',
  'preemption:',
  '. preemption: ',
  'pull access denied',
  'repository does not exist',
  'error adding pod p to CNI network',
  'to CNI network',
  'Readiness probe failed: ',
  'Liveness probe errored:',
  '0/3 nodes are available: ',
  "1 node(s) had taint {k: v}, that the pod didn't tolerate, ",
  '2 Insufficient cpu',
  'Failed to pull image "',
  'Back-off pulling image "',
  'Error: ',
  'rpc error: code = Unknown desc = ',
  'Failed to create pod sandbox: ',
  'failed to setup network k8s_',
  '(0af3):',
  'for volume "',
  'secrets "',
  'Created pod: ',
  '(combined from similar events): ',
  '€',
  '😀',
  '\ud800',
] as const

/**
 * Adversarial text up to `max` characters: runs of one token repeated (the shapes that make a
 * backtracking pattern quadratic), tokens in random order, and random strings, concatenated.
 */
export function adversarialText(max: number = MAX_MESSAGE_BYTES): fc.Arbitrary<string> {
  const token = fc.constantFrom(...TOKENS)
  const run = fc
    .tuple(token, fc.integer({ min: 1, max: Math.max(1, Math.floor(max / 2)) }))
    .map(([t, n]) => t.repeat(Math.min(n, Math.ceil(max / t.length))))
  const piece = fc.oneof(
    { weight: 3, arbitrary: run },
    { weight: 3, arbitrary: token },
    { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 10 }) },
  )
  return fc.array(piece, { maxLength: 12 }).map((parts) => parts.join('').slice(0, max))
}

/** Strings of any kind, short or up to 5 KiB (past the message cap). */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 20 }) },
  { weight: 2, arbitrary: hostileTime },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'Pod',
      'Event',
      'ResponseComplete',
      'create',
      'patch',
      'update',
      'delete',
      'pods',
      'status',
      'binding',
      'True',
      'Web_0',
      '__proto__',
      'constructor',
      'A'.repeat(300),
    ),
  },
  { weight: 1, arbitrary: adversarialText(5000) },
)

/** Object keys, including the prototype traps `JSON.parse` creates as own properties. */
const hostileKey: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'kind', 'metadata'),
)

/** Any JSON value, bounded in depth and width, with hostile leaves. */
export const hostileJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    hostileNumber,
    hostileString,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(hostileKey, tie('value'), { maxKeys: 4 }),
  ),
})).value

type Json = unknown
type Path = readonly (string | number)[]

function paths(value: Json, prefix: Path = [], out: Path[] = []): Path[] {
  out.push(prefix)
  if (Array.isArray(value)) {
    for (const [i, x] of value.entries()) paths(x, [...prefix, i], out)
  } else if (value !== null && typeof value === 'object') {
    for (const [k, x] of Object.entries(value)) paths(x, [...prefix, k], out)
  }
  return out
}

function setAt(value: Json, path: Path, replacement: Json): Json {
  if (path.length === 0) return replacement
  const [head, ...rest] = path
  if (Array.isArray(value)) {
    const copy = [...value]
    copy[head as number] = setAt(copy[head as number], rest, replacement)
    return copy
  }
  const obj = { ...(value as Record<string, Json>) }
  Object.defineProperty(obj, head as string, {
    value: setAt(obj[head as string], rest, replacement),
    enumerable: true,
    writable: true,
    configurable: true,
  })
  return obj
}

function getAt(value: Json, path: Path): Json {
  let at = value
  for (const key of path) {
    if (at === null || typeof at !== 'object') return undefined
    at = (at as Record<string | number, Json>)[key]
  }
  return at
}

const TIME_LIKE = /^\d{4}-\d{2}-\d{2}T/

/** A replacement for `original`, mostly of its own kind: a count gets Infinity, a time 1960. */
function replacementFor(original: Json): fc.Arbitrary<Json> {
  if (typeof original === 'number') {
    return fc.oneof({ weight: 3, arbitrary: hostileNumber }, { weight: 1, arbitrary: hostileJson })
  }
  if (typeof original === 'string') {
    const own = TIME_LIKE.test(original) ? hostileTime : hostileString
    return fc.oneof({ weight: 3, arbitrary: own }, { weight: 1, arbitrary: hostileJson })
  }
  return hostileJson
}

/**
 * A valid `base` record with 1–4 of its fields (or whole subtrees) replaced by hostile values,
 * mostly of the field's own type: inputs that pass the first checks and reach deep into a
 * normaliser.
 */
export function mutated(base: Json): fc.Arbitrary<Json> {
  const all = paths(base)
  const edit = fc.nat({ max: all.length - 1 }).chain((i) => {
    const path = all[i] ?? []
    return replacementFor(getAt(base, path)).map((replacement) => [path, replacement] as const)
  })
  return fc
    .array(edit, { minLength: 1, maxLength: 4 })
    .map((edits) =>
      edits.reduce<Json>((acc, [path, replacement]) => setAt(acc, path, replacement), base),
    )
}

/** A record from `bases`, mutated, or any JSON value at all. */
export function hostileRecord(bases: readonly Json[]): fc.Arbitrary<Json> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...bases).chain(mutated) },
    { weight: 1, arbitrary: fc.constantFrom(...bases) },
    { weight: 1, arbitrary: hostileJson },
  )
}
