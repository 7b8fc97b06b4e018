import { Counter, type Registry } from 'prom-client'
import { type ConfigFileWatch, watchConfigFile } from './config-file-watch.ts'
import { parseGoDuration } from './duration.ts'
import { liveSloConfig, liveSpanConfig } from './live-config.ts'
import { loadSloConfig, SLO_CONFIG_FILE_ENV } from './load.ts'
import { parseSloConfigText, type SloConfig } from './slo-config.ts'
import { mergeSpanConfig, parseSpanConfigText, type SpanConfig } from './span-config.ts'
import { loadSpanConfig, SPAN_CONFIG_FILE_ENV } from './span-config-load.ts'

/** Env var: how often config files are polled for changes (Go duration, default 5s). */
export const CONFIG_POLL_ENV = 'LUNETTES_CONFIG_POLL'

type Log = { info(obj: object, msg: string): void; warn(obj: object, msg: string): void }

/** The configs a host runs with, reloaded from their files while it runs. */
export interface ReloadingConfigs {
  /** The SLO config in force (a live view: reads always see the latest valid file). */
  slo: SloConfig
  /** The span config in force (a live view), or undefined when none is configured. */
  spanConfig: SpanConfig | undefined
  /** Polls both files now (tests). */
  poll(): void
  stop(): void
}

/**
 * Loads the SLO and span configs from the environment (as `loadSloConfig` / `loadSpanConfig`) and,
 * when they come from files (`LUNETTES_SLO_CONFIG`, `LUNETTES_SPAN_CONFIG`), polls the files
 * every `LUNETTES_CONFIG_POLL` (default 5s) and swaps in valid changes. Each poll that saw a
 * change counts `lunettes_config_reload_total{config,result}` (`result`: applied, invalid,
 * unreadable); an invalid change keeps the running config and is logged once. SLO config
 * warnings (unknown keys) are logged at load and at every applied reload.
 *
 * @throws {ConfigError | SpanConfigError} when the config at start is invalid (fatal, as before).
 */
export function startConfigReload(o: {
  env: Readonly<Record<string, string | undefined>>
  registry?: Registry
  log?: Log
  intervalMs?: number
}): ReloadingConfigs {
  const { env, log } = o
  const intervalMs = o.intervalMs ?? parseGoDuration(env[CONFIG_POLL_ENV] || '5s')
  const name = 'lunettes_config_reload_total'
  const counter =
    (o.registry?.getSingleMetric(name) as Counter<'config' | 'result'> | undefined) ??
    new Counter({
      name,
      help: 'Config file changes seen while running, by config (slo, span) and result',
      labelNames: ['config', 'result'],
      registers: o.registry ? [o.registry] : [],
    })
  const warn = (c: SloConfig) => {
    for (const w of c.warnings) log?.warn({ config: 'slo' }, w)
  }
  const slo0 = loadSloConfig(env)
  warn(slo0)
  const span0 = loadSpanConfig(env)
  const watches: ConfigFileWatch<unknown>[] = []
  let slo = (): SloConfig => slo0
  const sloFile = env[SLO_CONFIG_FILE_ENV] || undefined
  if (sloFile) {
    const w = watchConfigFile({
      path: sloFile,
      parse: parseSloConfigText,
      initial: slo0,
      intervalMs,
      ...(log ? { log } : {}),
      onOutcome: (result, d) => {
        counter.inc({ config: 'slo', result })
        if (d.config) warn(d.config)
      },
    })
    watches.push(w)
    slo = () => w.current()
  }
  let spanConfig: SpanConfig | undefined = span0
  const spanFile = env[SPAN_CONFIG_FILE_ENV] || undefined
  if (spanFile && span0) {
    const w = watchConfigFile({
      path: spanFile,
      // Merging with the defaults here too checks that the new config lays over them.
      parse: (text, origin) => {
        const parsed = parseSpanConfigText(text, origin)
        mergeSpanConfig(parsed)
        return parsed
      },
      initial: span0,
      intervalMs,
      ...(log ? { log } : {}),
      onOutcome: (result) => counter.inc({ config: 'span', result }),
    })
    watches.push(w)
    spanConfig = liveSpanConfig(() => w.current())
  }
  return {
    slo: sloFile ? liveSloConfig(slo) : slo0,
    spanConfig,
    poll: () => {
      for (const w of watches) w.poll()
    },
    stop: () => {
      for (const w of watches) w.stop()
    },
  }
}
