import { readFileSync } from 'node:fs'
import { parseSpanConfigText, type SpanConfig, SpanConfigError } from './span-config.ts'

/** Env var holding the path of a span config JSON file (upstream format, LIFECYCLE §7). */
export const SPAN_CONFIG_FILE_ENV = 'LUNETTES_SPAN_CONFIG'
/** Env var holding the span config JSON inline. */
export const SPAN_CONFIG_JSON_ENV = 'LUNETTES_SPAN_CONFIG_JSON'

/**
 * Loads the span config laid over our default one: `LUNETTES_SPAN_CONFIG` is a file path,
 * `LUNETTES_SPAN_CONFIG_JSON` inline JSON; empty values count as unset. Neither → undefined (the
 * default spans only).
 *
 * @throws {SpanConfigError} if both are set, the file cannot be read or the config is invalid
 * (a Lua script included).
 */
export function loadSpanConfig(
  env: Readonly<Record<string, string | undefined>>,
  readText: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): SpanConfig | undefined {
  const file = env[SPAN_CONFIG_FILE_ENV] || undefined
  const inline = env[SPAN_CONFIG_JSON_ENV] || undefined
  if (file !== undefined && inline !== undefined) {
    const problem = `is set together with ${SPAN_CONFIG_FILE_ENV}; set at most one`
    throw new SpanConfigError({ key: SPAN_CONFIG_JSON_ENV, span: null, problem })
  }
  if (inline !== undefined) return parseSpanConfigText(inline, SPAN_CONFIG_JSON_ENV)
  if (file === undefined) return undefined
  let text: string
  try {
    text = readText(file)
  } catch (err: unknown) {
    const reason = err instanceof Error ? err.message : String(err)
    const problem = `${JSON.stringify(file)} cannot be read (${reason})`
    throw new SpanConfigError({ key: SPAN_CONFIG_FILE_ENV, span: null, problem })
  }
  return parseSpanConfigText(text, file)
}
