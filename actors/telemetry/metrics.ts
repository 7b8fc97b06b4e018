import { Counter, Gauge, Histogram, type Registry } from 'prom-client'
import type { Effect } from '../lifecycle/decide.ts'
import { createPoisonMetrics } from '../runtime/host/poison-metrics.ts'
import { createWatermarkMetrics } from '../runtime/host/watermark-metrics.ts'
import { LATENCY_BUCKETS } from '../runtime/host/worker-batch.ts'

/** Accept-to-persisted buckets (seconds): 1 ms to 5 s. */
const PIPELINE_BUCKETS = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5]

/** Store operation latency buckets (seconds). */
const STORE_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]

/** Distinct namespaces labelled by name before the rest are reported as `other`. */
export const DEFAULT_MAX_NAMESPACES = 200

/** The `namespace` label of namespaces past the cap. */
export const OTHER_NAMESPACE = 'other'

export interface ActorMetricsOptions {
  /**
   * Distinct `namespace` label values (default 200, `LUNETTES_METRICS_MAX_NAMESPACES`): the first
   * ones seen keep their name, later ones are reported as `other`, so namespace churn cannot grow
   * Prometheus' series without bound.
   */
  readonly maxNamespaces?: number
}

/**
 * A `namespace` label capped at `max` distinct values: the first `max` names seen keep their own
 * label for the process's life, every later one is `other`.
 */
export function namespaceCap(max: number): (namespace: string) => string {
  const seen = new Set<string>()
  return (namespace) => {
    if (seen.has(namespace)) return namespace
    if (seen.size >= max) return OTHER_NAMESPACE
    seen.add(namespace)
    return namespace
  }
}

/**
 * The actor side's Prometheus metrics (LIFECYCLE §9), registered on an injected registry. Label
 * sets stay bounded: namespaces (capped, see `maxNamespaces`), results, codes, phases, partitions,
 * streams; never pods or UIDs.
 */
export function createActorMetrics(registry: Registry, options: ActorMetricsOptions = {}) {
  const capNamespace = namespaceCap(options.maxNamespaces ?? DEFAULT_MAX_NAMESPACES)
  const registers = [registry]
  const buckets = [...LATENCY_BUCKETS]
  const histograms = {
    lunettes_pod_delivery_seconds: new Histogram({
      name: 'lunettes_pod_delivery_seconds',
      help: 'Pod delivery SLI: created to Ready (services) or first container start (jobs).',
      labelNames: ['namespace', 'result'],
      buckets,
      registers,
    }),
    lunettes_pod_startup_sli_seconds: new Histogram({
      name: 'lunettes_pod_startup_sli_seconds',
      help: 'SIG-Scalability pod startup SLI (excludes image pulls and init containers), eligible pods.',
      labelNames: ['namespace'],
      buckets,
      registers,
    }),
    lunettes_pod_phase_seconds: new Histogram({
      name: 'lunettes_pod_phase_seconds',
      help: 'Duration of each measured delivery phase.',
      labelNames: ['phase'],
      buckets,
      registers,
    }),
    lunettes_pod_delete_seconds: new Histogram({
      name: 'lunettes_pod_delete_seconds',
      help: 'Pod delete SLI: delete requested to object gone.',
      labelNames: ['namespace', 'result'],
      buckets,
      registers,
    }),
  }
  const counters = {
    lunettes_slo_results_total: new Counter({
      name: 'lunettes_slo_results_total',
      help: 'Final SLO verdicts by result and diagnosis code.',
      labelNames: ['namespace', 'slo', 'result', 'code'],
      registers,
    }),
    lunettes_slo_violations_total: new Counter({
      name: 'lunettes_slo_violations_total',
      help: 'SLO deadlines passed without delivery, by the code blocking the pod then.',
      labelNames: ['namespace', 'slo', 'code'],
      registers,
    }),
  }
  const signals = new Counter({
    name: 'lunettes_signals_total',
    help: 'Signals handled by actor hosts, by source and outcome (applied, duplicate, held, invalid).',
    labelNames: ['source', 'outcome'],
    registers,
  })
  const actorsLive = new Gauge({
    name: 'lunettes_actors_live',
    help: 'Lifecycle actors in memory (not passivated).',
    labelNames: ['partition'],
    registers,
  })
  const consumerLag = new Gauge({
    name: 'lunettes_consumer_lag',
    help: 'Signals waiting in the partition consumer.',
    labelNames: ['partition'],
    registers,
  })
  const storeSeconds = new Histogram({
    name: 'lunettes_store_seconds',
    help: 'Store operation latency.',
    labelNames: ['op'],
    buckets: STORE_BUCKETS,
    registers,
  })
  const pipelineLatency = new Histogram({
    name: 'lunettes_pipeline_latency_seconds',
    help: 'Time from the bus accepting a signal (its stream timestamp) to the actor host persisting the state it produced, observed when the batch is acknowledged.',
    buckets: PIPELINE_BUCKETS,
    registers,
  })
  const exportFailures = new Counter({
    name: 'lunettes_effect_failures_total',
    help: 'Effects (alert publish, trace export) that failed and will be retried or were dropped.',
    labelNames: ['effect'],
    registers,
  })

  const partitionsOwned = new Gauge({
    name: 'lunettes_partitions_owned',
    help: 'Partitions this actor host consumes now (holds the lease of).',
    registers,
  })
  const partitionEvents = new Counter({
    name: 'lunettes_partition_events_total',
    help: 'Partition ownership changes: acquired, lost (lease taken or expired), released, fenced (another owner wrote it; restarted), retried (store or bus away; restarted after a backoff), failed.',
    labelNames: ['event'],
    registers,
  })

  const streamBytes = new Gauge({
    name: 'lunettes_stream_bytes',
    help: 'Bytes a bus stream holds (signals not yet acknowledged, alert history).',
    labelNames: ['stream'],
    registers,
  })
  const streamFill = new Gauge({
    name: 'lunettes_stream_fill_ratio',
    help: 'How full a bus stream is, 0-1 of its byte or message cap; at 1 a signal stream refuses publishes.',
    labelNames: ['stream'],
    registers,
  })

  /** Applies a metric effect from `decide`; unknown names are ignored (counted nowhere). */
  function observe(effect: Extract<Effect, { type: 'metric' }>): void {
    const name = effect.name as keyof typeof histograms | keyof typeof counters
    const { namespace } = effect.labels
    const labels =
      namespace === undefined
        ? effect.labels
        : { ...effect.labels, namespace: capNamespace(namespace) }
    if (name in histograms) {
      const h: Histogram<string> = histograms[name as keyof typeof histograms]
      h.observe(labels, effect.value)
    } else if (name in counters) {
      const c: Counter<string> = counters[name as keyof typeof counters]
      c.inc(labels, effect.value)
    }
  }

  return {
    observe,
    signals,
    actorsLive,
    consumerLag,
    storeSeconds,
    pipelineLatency,
    exportFailures,
    partitionsOwned,
    partitionEvents,
    ...createPoisonMetrics(registry),
    streamBytes,
    streamFill,
    ...createWatermarkMetrics(registry),
  }
}

/** The actor metrics object. */
export type ActorMetrics = ReturnType<typeof createActorMetrics>
