import { alertSubject } from '../../protocol/alert.ts'
import {
  ALERTS_STREAM,
  allAlertsSubject,
  SIGNALS_STREAM,
  signalSubject,
} from '../../protocol/subjects.ts'
import type { Bus } from './bus/bus.ts'

/**
 * Where a set of actor hosts reads signals: the stream, its per-partition subjects, the durable
 * consumer names and the lease keys. Live hosts share the one live channel; each replay through
 * real servers gets a channel of its own, so replays never mix with live signals or each other.
 */
export interface SignalChannel {
  readonly stream: string
  /** Subject filter capturing every partition. */
  readonly wildcard: string
  readonly maxAgeMs: number
  subjectOf(p: number): string
  durableOf(p: number): string
  leaseOf(p: number): string
  /** Subject SLO alerts of a namespace are published on. */
  alertSubjectOf(namespace: string): string
  /** Subject filter capturing every alert of this channel. */
  readonly alertWildcard: string
  /** Stream that captures the alerts (durable subscribers, dedupe by alert id). */
  readonly alertStream: string
}

const DAY_MS = 86_400_000

/** The live channel: `LUNETTES_SIGNALS`, `lunettes.signals.<p>`. */
export const LIVE_CHANNEL: SignalChannel = {
  stream: SIGNALS_STREAM,
  wildcard: 'lunettes.signals.*',
  maxAgeMs: 7 * DAY_MS,
  subjectOf: signalSubject,
  durableOf: (p) => `actors-p${p}`,
  leaseOf: (p) => `signals.${p}`,
  alertSubjectOf: alertSubject,
  alertWildcard: allAlertsSubject,
  alertStream: ALERTS_STREAM,
}

/** A replay's own channel (`run` is a short token of [A-Za-z0-9]); kept one hour. */
export function replayChannel(run: string): SignalChannel {
  return {
    stream: `LUNETTES_REPLAY_${run}`,
    wildcard: `lunettes.replay.${run}.*`,
    maxAgeMs: 3_600_000,
    subjectOf: (p) => `lunettes.replay.${run}.${p}`,
    durableOf: (p) => `replay-${run}-p${p}`,
    leaseOf: (p) => `replay.${run}.${p}`,
    alertSubjectOf: (ns) => `lunettes.replay.${run}.alerts.${ns}`,
    alertWildcard: `lunettes.replay.${run}.alerts.>`,
    alertStream: `LUNETTES_REPLAY_${run}_ALERTS`,
  }
}

/** Creates (or updates) the channel's signal and alert streams; idempotent. */
export async function ensureChannel(bus: Bus, ch: SignalChannel): Promise<void> {
  await bus.ensureStream({
    name: ch.stream,
    subjects: [ch.wildcard],
    maxAgeMs: ch.maxAgeMs,
    maxBytes: -1,
    duplicateWindowMs: 120_000,
    // Signals not yet folded: a full stream refuses publishes (503, retried), never drops them.
    discard: 'new',
  })
  await bus.ensureStream({
    name: ch.alertStream,
    subjects: [ch.alertWildcard],
    maxAgeMs: ch.maxAgeMs,
    maxBytes: -1,
    // Alerts are re-published after a crash until acknowledged: dedupe them for a day.
    duplicateWindowMs: Math.min(DAY_MS, ch.maxAgeMs),
    // A history for durable subscribers: full, the oldest go.
    discard: 'old',
  })
}
