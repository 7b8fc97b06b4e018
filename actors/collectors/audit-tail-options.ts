import type { Bus } from '../runtime/bus/bus.ts'
import type { Store } from '../runtime/store/store.ts'
import type { AuditTailStats } from './audit-tail-batch.ts'

/** A pino-compatible logger. */
export interface AuditTailLogger {
  info(obj: object, msg: string): void
  warn(obj: object, msg: string): void
  error(obj: object, msg: string): void
}

/** Options of `AuditLogTail`. */
export interface AuditLogTailOptions {
  /** The API server's `--audit-log-path`. */
  readonly path: string
  readonly bus: Bus
  /** Holds the checkpoint (a meta value). */
  readonly store: Store
  /** Signal partitions P (`lunettes.signals.<p>`). */
  readonly partitions: number
  /** Namespaces whose records are dropped. */
  readonly ignoredNamespaces: ReadonlySet<string>
  /** How often the end of the file, rotation and truncation are checked (default 250 ms). */
  readonly pollMs?: number
  /** Lines per published batch (default 500). */
  readonly batchLines?: number
  /** Store meta key of the checkpoint (default `audit-tail:<path>`). */
  readonly checkpointKey?: string
  readonly log: AuditTailLogger
  /** Called with the counters after each batch, rotation and truncation. */
  readonly onStats?: (s: AuditTailStats) => void
  /** First delay before retrying a failed publish, doubled up to `retryMaxMs` (default 200). */
  readonly retryMinMs?: number
  /** Longest delay between publish retries (default 10 s). */
  readonly retryMaxMs?: number
}
