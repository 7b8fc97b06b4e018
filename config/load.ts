import { readFileSync } from 'node:fs'
import { ConfigError } from './config-error.ts'
import { DEFAULT_SLO_CONFIG, parseSloConfigText, type SloConfig } from './slo-config.ts'

/** Reads a whole text file (UTF-8); injected so tests and other runtimes can replace it. */
export type ReadText = (path: string) => string

const readUtf8: ReadText = (path) => readFileSync(path, 'utf8')

/** Env var holding the path of an SLO config JSON file (e.g. a mounted ConfigMap key). */
export const SLO_CONFIG_FILE_ENV = 'LUNETTES_SLO_CONFIG'
/** Env var holding the SLO config JSON inline. */
export const SLO_CONFIG_JSON_ENV = 'LUNETTES_SLO_CONFIG_JSON'

/**
 * Reads and parses an SLO config JSON file (the CLI's `--slo-config FILE`). `key` names the
 * setting in errors about an unreadable file.
 *
 * @throws {ConfigError} if the file cannot be read (the message carries the OS error) or is invalid.
 */
export function loadSloConfigFile(
  path: string,
  readText: ReadText = readUtf8,
  key = '--slo-config',
): SloConfig {
  let text: string
  try {
    text = readText(path)
  } catch (err: unknown) {
    const reason = err instanceof Error ? err.message : String(err)
    const problem = `${JSON.stringify(path)} cannot be read (${reason})`
    throw new ConfigError({
      key,
      value: path,
      problem,
      expected: 'a readable JSON file',
      cause: err,
    })
  }
  return parseSloConfigText(text, path)
}

/**
 * Loads the SLO config from the environment: `LUNETTES_SLO_CONFIG` is a file path,
 * `LUNETTES_SLO_CONFIG_JSON` inline JSON; empty values count as unset. Neither →
 * {@link DEFAULT_SLO_CONFIG}.
 *
 * @throws {ConfigError} if both are set, the file cannot be read or the config is invalid.
 */
export function loadSloConfig(
  env: Readonly<Record<string, string | undefined>>,
  readText: ReadText = readUtf8,
): SloConfig {
  const file = env[SLO_CONFIG_FILE_ENV] || undefined
  const inline = env[SLO_CONFIG_JSON_ENV] || undefined
  if (file !== undefined && inline !== undefined) {
    throw new ConfigError({
      key: SLO_CONFIG_JSON_ENV,
      value: inline,
      problem: `is set together with ${SLO_CONFIG_FILE_ENV}=${JSON.stringify(file)}`,
      expected: `at most one of ${SLO_CONFIG_FILE_ENV} (file path) and ${SLO_CONFIG_JSON_ENV} (inline JSON)`,
    })
  }
  if (file !== undefined) return loadSloConfigFile(file, readText, SLO_CONFIG_FILE_ENV)
  if (inline !== undefined) return parseSloConfigText(inline, SLO_CONFIG_JSON_ENV)
  return DEFAULT_SLO_CONFIG
}

/** Outcome of {@link SloConfigHolder.reload}: on failure the previous config stays current. */
export type ReloadResult = { ok: true } | { ok: false; error: ConfigError }

/**
 * Holds the live SLO config of a running process. A reload that fails validation is reported and
 * ignored: the last good config stays current (LIFECYCLE §5).
 */
export class SloConfigHolder {
  #current: SloConfig

  constructor(initial: SloConfig = DEFAULT_SLO_CONFIG) {
    this.#current = initial
  }

  /** The config in force now. */
  current(): SloConfig {
    return this.#current
  }

  /** Parses `text` (JSON; `origin` names it in errors) and swaps it in if valid. */
  reload(text: string, origin: string): ReloadResult {
    try {
      this.#current = parseSloConfigText(text, origin)
      return { ok: true }
    } catch (err: unknown) {
      if (err instanceof ConfigError) return { ok: false, error: err }
      throw err
    }
  }
}

/** Creates a {@link SloConfigHolder} starting from `initial` (default: {@link DEFAULT_SLO_CONFIG}). */
export function createSloConfigHolder(initial: SloConfig = DEFAULT_SLO_CONFIG): SloConfigHolder {
  return new SloConfigHolder(initial)
}
