import * as v from 'valibot'
import { ConfigError, toConfigError } from './config-error.ts'
import { DurationError, parseGoDuration } from './duration.ts'

const DURATION_EXPECTED = 'e.g. "1m30s", "6m", "480s"'
const REGEX_EXPECTED = 'a JavaScript regular expression, matched against the whole namespace'

const isPlainObject = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x)
/** valibot's `record`/`object` accept arrays, so this guard runs first; its issues are `custom`. */
const plainObject = (expected: string) => v.custom<Record<string, unknown>>(isPlainObject, expected)
/** A strict object whose unknown-key issues list the allowed keys. */
const strict = <E extends v.ObjectEntries>(expected: string, entries: E) =>
  v.pipe(
    plainObject(expected),
    v.strictObject(entries, (issue) =>
      issue.expected === 'never' ? `one of ${Object.keys(entries).join(', ')}` : expected,
    ),
  )

/** A Go duration string → milliseconds (at least 1ms). */
const Duration = v.pipe(
  v.string(DURATION_EXPECTED),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    try {
      const ms = parseGoDuration(dataset.value)
      if (ms >= 1) return ms
      addIssue({ message: 'at least "1ms"', expected: 'a positive duration' })
    } catch (err: unknown) {
      if (!(err instanceof DurationError)) throw err
      addIssue({ message: DURATION_EXPECTED, expected: 'a Go duration' })
    }
    return NEVER
  }),
)
const optionalDuration = v.optional(Duration)

/** A regex source → a RegExp anchored as a full match (`^(?:…)$`). */
const NamespaceRegex = v.pipe(
  v.string('a regular expression source'),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    try {
      new RegExp(dataset.value) // the bare source must compile: an unbalanced `)` could escape ^…$
      return new RegExp(`^(?:${dataset.value})$`)
    } catch {
      addIssue({ message: REGEX_EXPECTED, expected: 'a valid regular expression' })
      return NEVER
    }
  }),
)

const NamespaceList = v.array(v.string('a namespace name'), 'an array of namespace names')
const Labels = v.pipe(
  plainObject('an object of label name → value'),
  v.record(v.string(), v.string('a label value string')),
)
const Match = strict('a match object (use {} to match every pod)', {
  namespace: v.optional(v.string('a namespace name')),
  namespaceRegex: v.optional(NamespaceRegex),
  labels: v.optional(Labels),
  ownerKind: v.optional(v.string('an owner kind such as "ReplicaSet" or "Job"')),
  job: v.optional(v.boolean('true or false')),
})
const Rule = v.pipe(
  strict('a rule object { match, create?, delete? }', {
    match: Match,
    create: optionalDuration,
    delete: optionalDuration,
  }),
  v.rawCheck(({ dataset, addIssue }) => {
    if (dataset.typed && dataset.value.create === undefined && dataset.value.delete === undefined) {
      addIssue({ message: 'a "create" or "delete" threshold', expected: 'a rule with a threshold' })
    }
  }),
)

const Budgets = strict('an object of per-phase budgets', {
  schedule: v.optional(Duration, '30s'),
  nodeSetup: v.optional(Duration, '30s'),
  imagePull: v.optional(Duration, '120s'),
  init: v.optional(Duration, '60s'),
  containerStart: v.optional(Duration, '30s'),
  readiness: v.optional(Duration, '120s'),
})
/**
 * Per-phase budgets in ms; slowness diagnosis blames the phases over budget (LIFECYCLE §6).
 * Defaults: `schedule` (created → scheduled) 30s, `nodeSetup` (scheduled → kubelet done with
 * volumes, sandbox, network) 30s, `imagePull` (all images) 120s, `init` (init containers) 60s,
 * `containerStart` (create + start incl. post-start hooks) 30s, `readiness` (started → Ready) 120s.
 */
export type PhaseBudgets = Readonly<v.InferOutput<typeof Budgets>>

const Defaults = strict('an object { create?, createJob?, delete?, giveUp? }', {
  create: v.optional(Duration, '480s'),
  createJob: v.optional(Duration, '90s'),
  delete: v.optional(Duration, '10m'),
  giveUp: v.optional(Duration, '35m'),
})
/**
 * Default thresholds in ms: `create` for non-job pods 480s and `createJob` for job pods 90s
 * (upstream), `delete` 10m, `giveUp` 35m (upstream: a pod still not delivered/deleted by then is
 * `failed`/`timeout`).
 */
export type SloDefaults = Readonly<v.InferOutput<typeof Defaults>>

const DurationMap = (what: string) =>
  v.optional(
    v.pipe(plainObject(`an object of ${what} → Go duration`), v.record(v.string(), Duration)),
  )

/**
 * A boolean as upstream writes it: Go's `,string` tag makes `encoding/json` expect the strings
 * `"true"` / `"false"`; a real JSON boolean is accepted too.
 */
const GoBool = v.pipe(
  v.unknown(),
  v.rawCheck(({ dataset, addIssue }) => {
    const x = dataset.value
    if (typeof x === 'boolean' || x === 'true' || x === 'false') return
    addIssue({ message: 'true, false, or the string "true" / "false"', expected: 'boolean' })
  }),
  v.transform((x) => x === true || x === 'true'),
)

const TOP_ENTRIES = {
  UserOnlineConfigMap: DurationMap('namespace'),
  UserAppConfigMap: DurationMap('app label value'),
  UserSLAConfigMap: DurationMap('namespace'),
  IgnoredNamespaceForAudit: v.optional(NamespaceList),
  IgnoreDeleteReasonNamespace: v.optional(NamespaceList),
  PostStartHookTimeout: optionalDuration,
  ShouldIgnoreSinglePod: v.optional(GoBool, false),
  ShouldRetainOldMetrics: v.optional(GoBool, false),
  rules: v.optional(v.array(Rule, 'an array of rules (first match wins)')),
  defaults: v.optional(Defaults, {}),
  budgets: v.optional(Budgets, {}),
}
const KNOWN_KEYS = `${Object.keys(TOP_ENTRIES).join(', ')}, or an extension key starting with "$" or "x-"`

/** Top-level keys that are neither ours, upstream's nor extensions: warned about, then ignored. */
function unknownKeys(input: unknown): string[] {
  if (!isPlainObject(input)) return []
  return Object.keys(input).filter(
    (key) => !Object.hasOwn(TOP_ENTRIES, key) && !key.startsWith('$') && !key.startsWith('x-'),
  )
}

/**
 * valibot schema of the upstream-compatible SLO config JSON (ConfigMap key `lunettes-config`),
 * LIFECYCLE §5: all eight keys of upstream's `LunettesConfig` plus ours (`rules`, `defaults`,
 * `budgets`). Every key is optional; durations are Go duration strings (output: ms). Unknown
 * top-level keys pass the schema (a newer upstream key must never stop a deployment):
 * {@link parseSloConfig} reports them as warnings. Nested objects of ours are strict.
 */
export const SloConfigJson = v.pipe(plainObject('a JSON object'), v.looseObject(TOP_ENTRIES))
/** The SLO config JSON after schema validation (durations in ms, regexes compiled). */
export type SloConfigJson = v.InferOutput<typeof SloConfigJson>

/**
 * What a rule matches; every present field must hold (AND), so an empty match matches every pod.
 * `namespace` is exact, `namespaceRegex` anchored (full match), every entry of `labels` must be
 * present with that exact value, `ownerKind` is the controller owner's kind (`ReplicaSet`, `Job`,
 * …) exactly, and `job: true` matches job pods only, `false` non-job pods only.
 */
export type SloRuleMatch = Readonly<v.InferOutput<typeof Match>>

/** One resolved `rules[]` entry; `index` is its position in the config (for `rule[<index>]`). */
export interface SloRule {
  readonly index: number
  readonly match: SloRuleMatch
  /** Create SLO in ms, or `null` to leave create to later rules / the namespace map / defaults. */
  readonly createMs: number | null
  /** Delete SLO in ms, or `null` to leave delete to later rules / defaults. */
  readonly deleteMs: number | null
}

/** Resolved SLO config: all durations in ms, regexes compiled, namespace lists as sets. */
export interface SloConfig {
  /** Namespace → create SLO in ms; replaces the default outright (upstream semantics). */
  readonly userOnlineConfigMap: ReadonlyMap<string, number>
  /** Namespaces whose signals are dropped at normalisation. */
  readonly ignoredNamespaceForAudit: ReadonlySet<string>
  /** Namespaces where a delete before readiness is `killed` without diagnosis. */
  readonly ignoreDeleteReasonNamespace: ReadonlySet<string>
  /** Above this a post-start hook is slow; `null` (the default) disables the check. */
  readonly postStartHookTimeoutMs: number | null
  /**
   * `app` / `app.kubernetes.io/name` label value → create SLO in ms (upstream `UserAppConfigMap`);
   * ranks above `UserOnlineConfigMap`, below `rules`.
   */
  readonly userAppConfigMap: ReadonlyMap<string, number>
  /**
   * Namespace → floor in ms (upstream `UserSLAConfigMap`): a create threshold below it is raised
   * to it, whatever chose the threshold.
   */
  readonly userSlaConfigMap: ReadonlyMap<string, number>
  /** Pods without a controller owner are not judged (upstream `ShouldIgnoreSinglePod`). */
  readonly shouldIgnoreSinglePod: boolean
  /**
   * Accepted for compatibility (upstream `ShouldRetainOldMetrics`: keep series of pods that are
   * gone). Here it changes nothing: our metrics carry no pod labels, so there are no per-pod
   * series to retain or drop.
   */
  readonly shouldRetainOldMetrics: boolean
  /** Problems that did not refuse the config (unknown keys), one line each, for the log. */
  readonly warnings: readonly string[]
  /** Ordered rules, first match wins per threshold. */
  readonly rules: readonly SloRule[]
  /** Default thresholds, ms. */
  readonly defaultsMs: SloDefaults
  /** Slowness budgets per phase, ms. */
  readonly budgetsMs: PhaseBudgets
}

function resolve(json: SloConfigJson, warnings: string[]): SloConfig {
  return {
    userOnlineConfigMap: new Map(Object.entries(json.UserOnlineConfigMap ?? {})),
    userAppConfigMap: new Map(Object.entries(json.UserAppConfigMap ?? {})),
    userSlaConfigMap: new Map(Object.entries(json.UserSLAConfigMap ?? {})),
    shouldIgnoreSinglePod: json.ShouldIgnoreSinglePod,
    shouldRetainOldMetrics: json.ShouldRetainOldMetrics,
    warnings,
    ignoredNamespaceForAudit: new Set(json.IgnoredNamespaceForAudit ?? []),
    ignoreDeleteReasonNamespace: new Set(json.IgnoreDeleteReasonNamespace ?? []),
    postStartHookTimeoutMs: json.PostStartHookTimeout ?? null,
    rules: (json.rules ?? []).map(({ match, create, delete: del }, index) => ({
      index,
      match,
      createMs: create ?? null,
      deleteMs: del ?? null,
    })),
    defaultsMs: json.defaults,
    budgetsMs: json.budgets,
  }
}

/**
 * Validates and resolves an SLO config value (already parsed JSON); `origin` (a file path, an
 * env var name), if given, appears in the error.
 *
 * @throws {ConfigError} for the first problem, e.g. `invalid SLO config:
 * UserOnlineConfigMap.test-ns-one: "90 seconds" is not a Go duration (expected e.g. "1m30s",
 * "6m", "480s")`.
 */
export function parseSloConfig(input: unknown, origin: string | null = null): SloConfig {
  const result = v.safeParse(SloConfigJson, input)
  if (result.success) {
    const where = origin === null ? '' : ` in ${origin}`
    const warnings = unknownKeys(input).map(
      (key) =>
        `SLO config${where}: unknown key ${JSON.stringify(key)} ignored (known: ${KNOWN_KEYS})`,
    )
    return resolve(result.output, warnings)
  }
  throw toConfigError(result.issues[0], origin)
}

/** The resolved config of `{}`: no namespaces, no rules, the documented defaults. */
export const DEFAULT_SLO_CONFIG: SloConfig = Object.freeze(parseSloConfig({}))

/**
 * Parses SLO config JSON text; `origin` (a file path, an env var name) appears in every error.
 *
 * @throws {ConfigError} for a JSON syntax error (naming the parser's message) or an invalid config.
 */
export function parseSloConfigText(text: string, origin: string): SloConfig {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err: unknown) {
    const problem = `text is not valid JSON: ${err instanceof Error ? err.message : String(err)}`
    const expected = 'a JSON object'
    throw new ConfigError({ key: '', value: text, problem, expected, origin, cause: err })
  }
  return parseSloConfig(json, origin)
}
