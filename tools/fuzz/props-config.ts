import fc from 'fast-check'
import { ConfigError } from '../../config/config-error.ts'
import { loadSloConfig } from '../../config/load.ts'
import { parseSloConfig, parseSloConfigText } from '../../config/slo-config.ts'
import { parseSpanConfig, parseSpanConfigText, SpanConfigError } from '../../config/span-config.ts'
import { loadSpanConfig } from '../../config/span-config-load.ts'
import { hostileRecord, hostileString } from './arbitraries.ts'
import type { FuzzProperty } from './property.ts'
import { SLO_CONFIG, SPAN_CONFIG } from './seeds.ts'

/** Runs `f`; an error other than `expected` escapes (and fails the property). */
function only(expected: new (...args: never[]) => Error, f: () => unknown): void {
  try {
    f()
  } catch (err: unknown) {
    if (!(err instanceof expected)) throw err
  }
}

/** Config text: the JSON of a hostile config, a hostile string, or a truncated JSON. */
function configText(bases: readonly unknown[]): fc.Arbitrary<string> {
  const json = hostileRecord(bases).map((x) => JSON.stringify(x) ?? 'null')
  return fc.oneof(
    { weight: 4, arbitrary: json },
    { weight: 1, arbitrary: hostileString },
    {
      weight: 1,
      arbitrary: fc.tuple(json, fc.nat()).map(([t, n]) => t.slice(0, n % (t.length + 1))),
    },
  )
}

/** An environment with the config variables set (or empty) and a file reader that may fail. */
function envAndFile(bases: readonly unknown[], fileVar: string, jsonVar: string) {
  const value = fc.option(fc.oneof(configText(bases), fc.constant('')), { nil: undefined })
  return fc
    .record({
      file: value,
      inline: value,
      content: fc.option(configText(bases), { nil: undefined }),
    })
    .map(({ file, inline, content }) => ({
      env: { [fileVar]: file, [jsonVar]: inline },
      readText: (_path: string): string => {
        if (content === undefined)
          throw Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT' })
        return content
      },
    }))
}

/** Config loading: any config text or value is a config or a ConfigError/SpanConfigError. */
export const CONFIG_PROPERTIES: readonly FuzzProperty[] = [
  {
    name: 'SLO config: any JSON value or text parses or is a ConfigError',
    weight: 0.5,
    property: () =>
      fc.property(hostileRecord([SLO_CONFIG]), configText([SLO_CONFIG]), (json, text) => {
        only(ConfigError, () => parseSloConfig(json, 'fuzz'))
        only(ConfigError, () => parseSloConfigText(text, 'fuzz'))
      }),
  },
  {
    name: 'SLO config: loading from any environment and file',
    weight: 0.5,
    property: () =>
      fc.property(
        envAndFile([SLO_CONFIG], 'LUNETTES_SLO_CONFIG', 'LUNETTES_SLO_CONFIG_JSON'),
        ({ env, readText }) => only(ConfigError, () => loadSloConfig(env, readText)),
      ),
  },
  {
    name: 'span config: any JSON value, text, environment and file',
    weight: 0.5,
    property: () =>
      fc.property(
        hostileRecord([SPAN_CONFIG]),
        envAndFile([SPAN_CONFIG], 'LUNETTES_SPAN_CONFIG', 'LUNETTES_SPAN_CONFIG_JSON'),
        (json, { env, readText }) => {
          only(SpanConfigError, () => parseSpanConfig(json, 'fuzz'))
          only(SpanConfigError, () => parseSpanConfigText(JSON.stringify(json) ?? '', 'fuzz'))
          only(SpanConfigError, () => loadSpanConfig(env, readText))
        },
      ),
  },
]
