import { Counter, Gauge, Histogram, type Registry } from 'prom-client'
import type { Effect } from '../lifecycle/decide.ts'
import { createPoisonMetrics } from '../runtime/host/poison-metrics.ts'
import { LATENCY_BUCKETS } from '../runtime/host/worker-batch.ts'

/** Accept-to-persisted buckets (seconds): 1 ms to 5 s. */
const PIPELINE_BUCKETS = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5]

/** Store operation latency buckets (seconds). */
const STORE_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]

/**
 * The actor side's Prometheus metrics (LIFECYCLE §9), registered on an injected registry. Label
 * sets stay bounded: namespaces, results, codes, phases, partitions; never pods or UIDs.
 */
export function createActorMetrics(registry: Registry) {
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

  /** Applies a metric effect from `decide`; unknown names are ignored (counted nowhere). */
  function observe(effect: Extract<Effect, { type: 'metric' }>): void {
    const name = effect.name as keyof typeof histograms | keyof typeof counters
    if (name in histograms) {
      const h: Histogram<string> = histograms[name as keyof typeof histograms]
      h.observe(effect.labels, effect.value)
    } else if (name in counters) {
      const c: Counter<string> = counters[name as keyof typeof counters]
      c.inc(effect.labels, effect.value)
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
  }
}

/** The actor metrics object. */
export type ActorMetrics = ReturnType<typeof createActorMetrics>
