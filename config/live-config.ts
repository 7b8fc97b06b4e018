import type { SloConfig } from './slo-config.ts'
import type { SpanConfig } from './span-config.ts'

/**
 * A view of the SLO config that always reads the config in force now: every property is a getter
 * on `current()`. Hand it to code that keeps the config object it was given (the decider, the
 * diagnosis hook, the trace exporter), and a reload reaches them without a restart.
 */
export function liveSloConfig(current: () => SloConfig): SloConfig {
  const view = {} as Record<keyof SloConfig, unknown>
  for (const key of Object.keys(current()) as (keyof SloConfig)[]) {
    Object.defineProperty(view, key, { enumerable: true, get: () => current()[key] })
  }
  return view as unknown as SloConfig
}

/** The property of a {@link liveSpanConfig} view that yields the config in force now. */
export const CURRENT_SPAN_CONFIG: unique symbol = Symbol('lunettes.currentSpanConfig')

/**
 * A view of the span config that always reads the config in force now (an array proxy); caches
 * key on `view[CURRENT_SPAN_CONFIG]`, the current array (see {@link currentSpanConfig}).
 */
export function liveSpanConfig(current: () => SpanConfig): SpanConfig {
  return new Proxy([] as SpanConfig, {
    get: (_t, key) => (key === CURRENT_SPAN_CONFIG ? current() : Reflect.get(current(), key)),
    has: (_t, key) => Reflect.has(current(), key),
    ownKeys: () => Reflect.ownKeys(current()),
    getOwnPropertyDescriptor: (_t, key) => {
      const d = Reflect.getOwnPropertyDescriptor(current(), key)
      return d && key !== 'length' ? { ...d, configurable: true } : d
    },
  })
}

/** The array a span config stands for now: a live view's current config, else itself. */
export function currentSpanConfig(config: SpanConfig): SpanConfig {
  const inner = (config as unknown as Record<symbol, SpanConfig | undefined>)[CURRENT_SPAN_CONFIG]
  return inner ?? config
}
