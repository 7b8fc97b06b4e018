import { readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { check } from 'recheck'
import { type FoundRegex, findRegexes } from './regex-literals.ts'

/** A regex with the checker's verdict. */
export interface RegexVerdict {
  readonly regex: FoundRegex
  /** `safe` (linear), `vulnerable` (super-linear), `unknown` (timeout or error). */
  readonly status: 'safe' | 'vulnerable' | 'unknown'
  /** `linear`, `polynomial` (with its degree), `exponential`, or why it is unknown. */
  readonly detail: string
  readonly attack?: string
}

/** Time the checker may spend on one pattern; a pattern it cannot decide in time fails. */
export const CHECK_TIMEOUT_MS = 120_000

/**
 * recheck's fuzz checker counts a match that runs past `attackTimeout` / `incubationTimeout`
 * (wall-clock) as an attack, so on a loaded machine a linear pattern can be called polynomial.
 * Without those timeouts it judges by its step limits only: the same verdict everywhere (its
 * PRNG seed is fixed). `timeout` still bounds the whole check.
 */
const PARAMS = {
  timeout: CHECK_TIMEOUT_MS,
  attackTimeout: null,
  incubationTimeout: null,
  seedingTimeout: null,
} as const

let backendChosen = false

/**
 * recheck's `auto` backend starts the native agent (`recheck-linux-x64`), else the jar, else a
 * worker thread; without the native package we ask for the pure-JS backend directly.
 */
function chooseBackend(): void {
  if (backendChosen) return
  backendChosen = true
  const require = createRequire(import.meta.url)
  try {
    require.resolve(
      `recheck-${process.platform === 'darwin' ? 'macos' : process.platform}-${process.arch}/package.json`,
    )
  } catch {
    process.env.RECHECK_BACKEND ??= 'pure'
  }
}

/** Runs recheck on each regex (all at once; the agent answers them concurrently). */
export async function checkRegexes(found: readonly FoundRegex[]): Promise<RegexVerdict[]> {
  chooseBackend()
  return Promise.all(
    found.map(async (regex): Promise<RegexVerdict> => {
      if (regex.kind === 'dynamic') {
        return { regex, status: 'unknown', detail: 'RegExp built from a non-literal pattern' }
      }
      const d = await check(regex.source, regex.flags, PARAMS)
      if (d.status === 'safe') return { regex, status: 'safe', detail: d.complexity.type }
      if (d.status === 'vulnerable') {
        const c = d.complexity
        const detail = c.type === 'polynomial' ? `polynomial, degree ${c.degree}` : c.type
        return { regex, status: 'vulnerable', detail, attack: d.attack.pattern }
      }
      return { regex, status: 'unknown', detail: d.error.kind }
    }),
  )
}

/** Every regex in the `.ts` files under `dir` (recursively), read from the worktree root. */
export function regexesUnder(dir: string): FoundRegex[] {
  const out: FoundRegex[] = []
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue
    const file = join(entry.parentPath, entry.name)
    out.push(...findRegexes(file, readFileSync(file, 'utf8')))
  }
  return out
}

/** One line per verdict that is not `safe`, for an assertion message. */
export function describeFailures(verdicts: readonly RegexVerdict[]): string {
  return verdicts
    .filter((v) => v.status !== 'safe')
    .map((v) => {
      const r = v.regex
      const attack = v.attack ? ` (attack ${v.attack})` : ''
      return `${r.file}:${r.line} /${r.source}/${r.flags}: ${v.status}, ${v.detail}${attack}`
    })
    .join('\n')
}
