import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream'
import { errors } from '@nats-io/transport-node'
import { BusUnavailableError, NoRespondersError, RequestTimeoutError } from './bus.ts'

/** What to tell an operator whose NATS server runs without JetStream. */
export const JETSTREAM_REQUIRED =
  'JetStream is not enabled on the NATS server: start nats-server with -js ' +
  '(or add `jetstream {}` to its config)'

/** Whether nats.js reported that the server (or account) has no JetStream. */
export function isJetStreamDisabled(err: unknown): boolean {
  return (
    err instanceof Error &&
    (err.name === 'JetStreamNotEnabled' ||
      (err instanceof JetStreamApiError &&
        err.code === JetStreamApiCodes.JetStreamNotEnabledForAccount))
  )
}

/** A JetStream API error with this code (stream/consumer not found, wrong last sequence…). */
export function hasApiCode(err: unknown, ...codes: number[]): boolean {
  return err instanceof JetStreamApiError && codes.includes(err.code)
}

/** A conditional write lost its race: expected last (subject) sequence did not match. */
export function isWrongLastSequence(err: unknown): boolean {
  return hasApiCode(
    err,
    JetStreamApiCodes.StreamWrongLastSequence,
    JetStreamApiCodes.StreamWrongLastSequenceUnknown,
  )
}

/** Wraps any failure as BusUnavailableError (keeping it as `cause`). */
export function unavailable(what: string, err: unknown): BusUnavailableError {
  if (err instanceof BusUnavailableError) return err
  if (isJetStreamDisabled(err)) return new BusUnavailableError(JETSTREAM_REQUIRED, { cause: err })
  const detail = err instanceof Error ? err.message : String(err)
  return new BusUnavailableError(`${what}: ${detail}`, { cause: err })
}

/** Maps a nats.js request failure to NoRespondersError, RequestTimeoutError or unavailable. */
export function requestError(subject: string, timeoutMs: number, err: unknown): Error {
  const cause = err instanceof Error ? err.cause : undefined
  if (
    err instanceof errors.NoRespondersError ||
    (err instanceof errors.RequestError && err.isNoResponders())
  ) {
    return new NoRespondersError(subject)
  }
  if (err instanceof errors.TimeoutError || cause instanceof errors.TimeoutError) {
    return new RequestTimeoutError(subject, timeoutMs)
  }
  return unavailable(`request on ${subject} failed`, err)
}
