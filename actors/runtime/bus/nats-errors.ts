import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream'
import { errors } from '@nats-io/transport-node'
import { redactUrl } from '../redact-url.ts'
import { BusFullError, BusUnavailableError, NoRespondersError, RequestTimeoutError } from './bus.ts'

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

/** JetStream's "store failed" code: the reply to a publish a `discard: new` stream refused. */
const STREAM_STORE_FAILED = 10077
/** The server (or account) has no JetStream storage left. */
const INSUFFICIENT_RESOURCES = 10023

/**
 * Whether a publish was refused because the stream (or the server's storage) is full: "maximum
 * bytes exceeded", "maximum messages exceeded", or "insufficient resources".
 */
export function isStreamFull(err: unknown): boolean {
  if (!(err instanceof JetStreamApiError)) return false
  if (err.code === INSUFFICIENT_RESOURCES) return true
  return err.code === STREAM_STORE_FAILED && /maximum .*exceeded/.test(err.message)
}

/**
 * The publish failure as BusFullError when the stream is full, else as `unavailable`. JetStream
 * does not name the stream in the error: `stream` is the caller's best knowledge (else the subject).
 */
export function publishError(
  subject: string,
  stream: string | undefined,
  err: unknown,
): BusUnavailableError {
  if (isStreamFull(err)) {
    const detail = err instanceof Error ? err.message : String(err)
    const name = stream ?? subject
    return new BusFullError(
      name,
      `stream ${name} is full (${detail}): publish on ${subject} refused, nothing dropped`,
      { cause: err },
    )
  }
  return unavailable(`publish on ${subject}`, err)
}

/** Wraps any failure as BusUnavailableError (keeping it as `cause`). */
export function unavailable(what: string, err: unknown): BusUnavailableError {
  if (err instanceof BusUnavailableError) return err
  if (isJetStreamDisabled(err)) return new BusUnavailableError(JETSTREAM_REQUIRED, { cause: err })
  const detail = err instanceof Error ? err.message : String(err)
  return new BusUnavailableError(`${what}: ${detail}`, { cause: err })
}

/**
 * A failed first connection, naming the servers with their userinfo redacted; an authorization
 * failure says which variables to check. The message never carries a credential.
 */
export function connectError(url: string | string[], err: unknown): BusUnavailableError {
  const servers = redactUrl(Array.isArray(url) ? url.join(',') : url)
  const auth = err instanceof errors.AuthorizationError || /authoriz/i.test(String(err))
  const hint = auth
    ? ' (authentication refused: check NATS_USER/NATS_PASSWORD, NATS_TOKEN, NATS_NKEY or NATS_CREDS)'
    : ''
  const detail = redactUrl(err instanceof Error ? err.message : String(err))
  return new BusUnavailableError(`cannot connect to NATS at ${servers}: ${detail}${hint}`, {
    cause: err,
  })
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
