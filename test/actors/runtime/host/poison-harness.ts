import { setTimeout as sleep } from 'node:timers/promises'
import { Registry } from 'prom-client'
import * as v from 'valibot'
import { createDecider, type Decide } from '../../../../actors/lifecycle/decide.ts'
import { initialState, type PodState } from '../../../../actors/lifecycle/pod-state.ts'
import { encodeState } from '../../../../actors/lifecycle/pod-state-codec.ts'
import type { Bus } from '../../../../actors/runtime/bus/bus.ts'
import {
  DEADLETTER_STREAM,
  DEADLETTER_WILDCARD,
  DeadLetter,
} from '../../../../actors/runtime/bus/deadletter-stream.ts'
import { ensureChannel, LIVE_CHANNEL } from '../../../../actors/runtime/channel.ts'
import { ActorHost, type HostOptions } from '../../../../actors/runtime/host/actor-host.ts'
import type { Store, WriteOp } from '../../../../actors/runtime/store/store.ts'
import { createActorMetrics } from '../../../../actors/telemetry/metrics.ts'
import { DEFAULT_SLO_CONFIG } from '../../../../config/slo-config.ts'
import { signalMessages } from '../../../../protocol/envelope.ts'
import { batchMessages } from '../../../../protocol/envelope-batch.ts'
import type { PodSignal } from '../../../../protocol/pod-signal.ts'
import { readStream } from '../../../support/hosts.ts'
import { SERVICE_FACTS, sig } from '../../../support/signals.ts'

/** 1960-01-01T00:00:00Z in epoch µs: what a client-set Event `firstTimestamp` can carry. */
export const Y1960_US = -315_619_200_000_000

/**
 * A pod state as a 1960 Event leaves it, built directly (not through the protocol, which may
 * reject such times at its boundary): evicted in 1960, verdict still open. The next fold closes
 * the verdict at the eviction time, a negative rollup minute that every store refuses.
 */
export function state1960(uid: string, name: string, nowUs: number): PodState {
  const s = initialState(uid, 'shop', name)
  s.facts = SERVICE_FACTS
  s.seenObject = true
  s.ms.created = { t: nowUs - 10_000_000, p: 'us', s: 'audit' }
  s.evicted = { t: Y1960_US, p: 's', s: 'event' }
  s.lastSignal = nowUs - 10_000_000
  return s
}

/** Writes a state straight into the store, as an earlier owner would have. */
export async function putState(store: Store, state: PodState | string, uid: string) {
  const json = typeof state === 'string' ? state : encodeState(state)
  await store.write([{ op: 'state', uid, json, ttlMs: null }])
}

/** A create signal for pod `name` now (live clock). */
export function createSignal(uid: string, name: string, id?: string): PodSignal {
  return sig({
    at: new Date().toISOString(),
    uid,
    name,
    facts: SERVICE_FACTS,
    ops: ['pod:create:success'],
    ...(id ? { id } : {}),
  })
}

/** One partition, so every pod of a test shares it (and its batches). */
export const PARTITIONS = 1

export interface Harness {
  host: ActorHost
  registry: Registry
  logs: { level: string; msg: string; obj: object }[]
  start(): Promise<void>
  stop(): Promise<void>
  counter(name: string, labels: Record<string, string>): Promise<number>
  deadLetters(): Promise<DeadLetter[]>
}

/** An actor host on `bus` and `store` with metrics and a recording log. */
export function harness(
  bus: Bus,
  store: Store,
  opts: Partial<HostOptions> & { decide?: Decide } = {},
): Harness {
  const registry = new Registry()
  const logs: Harness['logs'] = []
  const record = (level: string) => (obj: object, msg: string) => logs.push({ level, msg, obj })
  const host = new ActorHost({
    bus,
    store,
    decide: createDecider({ config: DEFAULT_SLO_CONFIG, inPlace: true }),
    mode: 'live',
    partitions: PARTITIONS,
    hostId: 'h1',
    leaseTtlMs: 600,
    metrics: createActorMetrics(registry),
    log: { info: record('info'), warn: record('warn'), error: record('error') },
    ...opts,
  })
  return {
    host,
    registry,
    logs,
    start: () => host.start(),
    stop: () => host.stop(),
    async counter(name, labels) {
      const metric = await registry.getSingleMetric(name)?.get()
      const hit = metric?.values.find((m) =>
        Object.entries(labels).every(([k, val]) => m.labels[k] === val),
      )
      return hit?.value ?? 0
    },
    async deadLetters() {
      const msgs = await readStream(bus, DEADLETTER_STREAM, DEADLETTER_WILDCARD)
      return msgs.map((m) => v.parse(DeadLetter, JSON.parse(new TextDecoder().decode(m.data))))
    },
  }
}

/** Publishes signals on the live channel in one go (so a host fetches them as one batch). */
/** How signals are put on the bus: a message each, or `batch` messages as the webhook sends. */
export type Shape = 'single' | 'batch'

export async function publish(
  bus: Bus,
  signals: PodSignal[],
  shape: Shape = 'single',
): Promise<void> {
  await ensureChannel(bus, LIVE_CHANNEL)
  const subjectOf = LIVE_CHANNEL.subjectOf
  await bus.publish(
    shape === 'batch'
      ? batchMessages(signals, PARTITIONS, { subjectOf })
      : signalMessages(signals, PARTITIONS, subjectOf),
  )
}

/** Waits until `check` holds (polling), failing with `what` after `timeoutMs`. */
export async function until(what: string, check: () => Promise<boolean>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(25)
  }
}

/**
 * Fault-injection store: a batch writing pod `uid`'s state is refused as an invalid value (the
 * store's own validation error type), nothing of it written: a terminal error for that input.
 */
export function refusesFor(store: Store, uid: string): Store {
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'write') {
        return async (ops: readonly WriteOp[]) => {
          if (ops.some((op) => op.op === 'state' && op.uid === uid)) {
            throw new RangeError(
              'write: invalid op #2 (rollup): planted refusal; nothing was written',
            )
          }
          return target.write(ops)
        }
      }
      const value = Reflect.get(target, prop, receiver)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
}
