import { Histogram, type Registry } from 'prom-client'
import { LATENCY_BUCKETS } from '../runtime/host/worker-batch.ts'
import { DEFAULT_MAX_NAMESPACES, namespaceCap } from './metrics.ts'
import type { SpanPlan } from './span-plan.ts'

export const SPAN_DURATION_METRIC = 'lunettes_span_duration_seconds'

export interface SpanMetricsOptions {
  /**
   * Distinct `extra` label values (default 200, as `LUNETTES_METRICS_MAX_NAMESPACES`): the first
   * ones seen keep their value for the process's life, later ones are reported as `other`.
   */
  readonly maxExtras?: number
}

function histogram(registry: Registry | undefined): Histogram<string> {
  const found = registry?.getSingleMetric(SPAN_DURATION_METRIC)
  if (found instanceof Histogram) return found as Histogram<string>
  return new Histogram({
    name: SPAN_DURATION_METRIC,
    help: 'Duration of each lifecycle trace span, by span (config rule Name, or the action for the root) and extra (the NeedMetric ExtraProperties as name=value,...; capped, later values are other).',
    labelNames: ['span', 'extra'],
    buckets: [...LATENCY_BUCKETS],
    registers: registry ? [registry] : [],
  })
}

/**
 * The span duration metric (upstream Lunettes' span consuming statistic): every span of an emitted
 * trace is observed once, labelled by its rule name and the trace's NeedMetric properties. Labels
 * stay bounded: rule names come from the config, `extra` values are capped.
 */
export function createSpanMetrics(registry: Registry | undefined, opts: SpanMetricsOptions = {}) {
  const seconds = histogram(registry)
  const capExtra = namespaceCap(opts.maxExtras ?? DEFAULT_MAX_NAMESPACES)
  return {
    observe(plan: SpanPlan): void {
      if (plan.spans.length === 0) return
      const extra = capExtra(plan.extra ?? '')
      for (const span of plan.spans) {
        const micros = Math.max(0, span.end.t - span.start.t)
        seconds.observe({ span: span.rule, extra }, micros / 1_000_000)
      }
    },
  }
}
