import { querySubject } from '../protocol/subjects.ts'
import { BUS_ERRORS, type GatewayBus, isNamedError } from './ports.ts'

/** How long the readiness round trip to the bus may take, ms (below `/readyz`'s own 2 s). */
export const BUS_PING_TIMEOUT_MS = 1000

const EMPTY = new Uint8Array(0)

/**
 * A readiness check for `/readyz`: a request on `lunettes.query.ping` makes a round trip to the
 * bus server. Any answer, or the server's "no responders", proves the connection is up; a timeout
 * (NATS is disconnected and the request sits in the client's buffer) or a closed bus is not
 * ready, so the Service stops sending webhook batches that would only be answered 503.
 */
export function busReady(bus: GatewayBus, timeoutMs = BUS_PING_TIMEOUT_MS): () => Promise<boolean> {
  const subject = querySubject('ping')
  return async function busReady() {
    try {
      await bus.request(subject, EMPTY, timeoutMs)
      return true
    } catch (err: unknown) {
      return isNamedError(err, BUS_ERRORS.noResponders)
    }
  }
}
