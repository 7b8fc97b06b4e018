import type { NatsConnection } from '@nats-io/transport-node'
import type { StreamLimits } from './bus.ts'
import type { NatsAuth } from './nats-auth.ts'

/** Logger the bus reports connection changes and handler failures to. */
export interface NatsBusLog {
  warn(o: object, m: string): void
}

/** Options of `NatsBus.connect`. */
export interface NatsBusOptions {
  /** Connection name shown by the server (`nats server report connections`). */
  readonly name?: string
  readonly log?: NatsBusLog
  /** Credentials and TLS (see `natsSettings`). */
  readonly auth?: NatsAuth
  /** Limits of the streams this bus creates, where their spec leaves them open; replicas. */
  readonly limits?: StreamLimits
}

/** Logs the connection's disconnects, reconnects and errors (the status stream ends at close). */
export function watchNatsStatus(nc: NatsConnection, log: NatsBusLog): void {
  const watch = async () => {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect' || s.type === 'reconnect' || s.type === 'error') {
        log.warn({ status: s }, `nats ${s.type}`)
      }
    }
  }
  watch().catch((err: unknown) => log.warn({ err }, 'nats status watch ended'))
}
