/**
 * Image pull failures as the kubelet reports them: `Failed` events `Failed to pull image "X": <cause>`
 * (the cause comes from docker, containerd or cri-o), the wrappers `Error: ErrImagePull` /
 * `Error: ImagePullBackOff` / `Back-off pulling image "X"`, `InspectFailed`, `ErrImageNeverPull`,
 * and the container waiting reasons with their messages.
 */

/** The image codes, most specific first. */
export type ImageCode =
  | 'ImageNotFound'
  | 'ImageUnauthorized'
  | 'ImageInvalidName'
  | 'ImageNeverPull'
  | 'ImagePullFailed'

/** A classified pull failure. */
export interface PullFailure {
  code: ImageCode
  image: string | null
  /** The registry's / runtime's words, shortened to the informative tail. */
  cause: string
  /** False for wrappers (`Error: ErrImagePull`, back-off) that only say "it failed". */
  specific: boolean
}

const FAILED_TO_PULL = /^Failed to pull image "([^"]*)":\s*(.*)$/s
const BACKOFF_PULL = /^Back-off pulling image "([^"]*)"/
const NEVER_PULL = /^Container image "([^"]*)" is not present with pull policy of Never/
const INSPECT = /^Failed to (apply default image tag|inspect image) "([^"]*)":\s*(.*)$/s
const WRAPPER = /^Error: (ErrImagePull|ImagePullBackOff)\s*$/
const WRAPPED_CODE =
  /^Error: (InvalidImageName|ErrImageNeverPull|ImageInspectError|RegistryUnavailable|SignatureValidationFailed)\b/

/**
 * Docker's classic `pull access denied for X, repository does not exist or may require 'docker
 * login'` is ambiguous (Docker Hub answers the same for a missing repository and a private one
 * without credentials). Like upstream Lunettes we call it not found: the common cause is a typo in
 * the image name, and a credentials problem shows as 401/unauthorized on other registries.
 */
const ACCESS_DENIED = /pull access denied/i
const NO_REPOSITORY = /repository does not exist/i

/**
 * `pull access denied` followed (anywhere later) by `repository does not exist`: two linear
 * searches, where one `pull access denied.*repository does not exist` pattern rescanned the rest
 * of the text from every occurrence of the first phrase.
 */
export function dockerAmbiguous(cause: string): boolean {
  const denied = ACCESS_DENIED.exec(cause)
  return denied !== null && NO_REPOSITORY.test(cause.slice(denied.index + denied[0].length))
}
const NOT_FOUND =
  /manifest unknown|manifest for \S+ not found|: not found|\bnot found\b|repository does not exist|name unknown|no such image|repo not found|NotFound desc/i
const UNAUTHORIZED =
  /\b401\b|\b403\b|unauthori[sz]ed|forbidden|denied|authorization failed|authentication required|failed to authorize|no basic auth credentials|incorrect username or password|invalid username\/password/i
const INVALID = /invalid reference format|couldn't parse image reference|InvalidImageName/i

/** Classifies the runtime's cause text of a failed pull. */
export function classifyPullCause(cause: string): ImageCode {
  if (INVALID.test(cause)) return 'ImageInvalidName'
  if (/ErrImageNeverPull|pull policy of Never/i.test(cause)) return 'ImageNeverPull'
  if (dockerAmbiguous(cause)) return 'ImageNotFound'
  if (NOT_FOUND.test(cause)) return 'ImageNotFound'
  if (UNAUTHORIZED.test(cause)) return 'ImageUnauthorized'
  return 'ImagePullFailed'
}

/** Drops the gRPC prefix (`rpc error: code = Unknown desc = `) the runtimes put in front. */
function shortCause(cause: string): string {
  return cause.replace(/^rpc error: code = \w+ desc = /, '').trim()
}

/**
 * Classifies an image-related event (`Failed`, `BackOff`, `InspectFailed`, `ErrImageNeverPull`),
 * or returns null when the event is not about pulling.
 */
export function parsePullEvent(reason: string, message: string): PullFailure | null {
  const failed = FAILED_TO_PULL.exec(message)
  if (failed && failed[2] !== undefined) {
    const cause = failed[2]
    return {
      code: classifyPullCause(cause),
      image: failed[1] ?? null,
      cause: shortCause(cause),
      specific: true,
    }
  }
  const never = NEVER_PULL.exec(message)
  if (never || reason === 'ErrImageNeverPull') {
    return { code: 'ImageNeverPull', image: never?.[1] ?? null, cause: message, specific: true }
  }
  const inspect = INSPECT.exec(message)
  if (inspect && inspect[3] !== undefined) {
    const invalid = inspect[1] === 'apply default image tag' || INVALID.test(inspect[3])
    return {
      code: invalid ? 'ImageInvalidName' : 'ImagePullFailed',
      image: inspect[2] ?? null,
      cause: shortCause(inspect[3]),
      specific: true,
    }
  }
  const coded = WRAPPED_CODE.exec(message)
  if (coded?.[1]) {
    const code: ImageCode =
      coded[1] === 'InvalidImageName'
        ? 'ImageInvalidName'
        : coded[1] === 'ErrImageNeverPull'
          ? 'ImageNeverPull'
          : 'ImagePullFailed'
    return { code, image: null, cause: coded[1], specific: code !== 'ImagePullFailed' }
  }
  const backoff = BACKOFF_PULL.exec(message)
  if (backoff)
    return {
      code: 'ImagePullFailed',
      image: backoff[1] ?? null,
      cause: 'back-off pulling image',
      specific: false,
    }
  const wrapper = WRAPPER.exec(message)
  if (wrapper?.[1])
    return { code: 'ImagePullFailed', image: null, cause: wrapper[1], specific: false }
  return null
}

/** Container waiting reasons of the image family. */
export const IMAGE_WAITING = new Set([
  'ErrImagePull',
  'ImagePullBackOff',
  'InvalidImageName',
  'ErrImageNeverPull',
  'ImageInspectError',
  'RegistryUnavailable',
  'SignatureValidationFailed',
])

/** Classifies a container waiting state of the image family (reason + message). */
export function parsePullWaiting(reason: string, message: string | undefined): PullFailure {
  const msg = message ?? ''
  if (reason === 'InvalidImageName') {
    return { code: 'ImageInvalidName', image: null, cause: msg || reason, specific: true }
  }
  if (reason === 'ErrImageNeverPull') {
    return {
      code: 'ImageNeverPull',
      image: NEVER_PULL.exec(msg)?.[1] ?? null,
      cause: msg || reason,
      specific: true,
    }
  }
  const backoff = BACKOFF_PULL.exec(msg)
  if (backoff || msg === '') {
    return {
      code: 'ImagePullFailed',
      image: backoff?.[1] ?? null,
      cause: msg || reason,
      specific: false,
    }
  }
  return { code: classifyPullCause(msg), image: null, cause: shortCause(msg), specific: true }
}

const WHAT: Record<ImageCode, string> = {
  ImageNotFound: 'not found',
  ImageUnauthorized: 'not authorized (check imagePullSecrets and registry credentials)',
  ImageInvalidName: 'an invalid image reference',
  ImageNeverPull: 'not on the node and imagePullPolicy is Never',
  ImagePullFailed: 'failed to pull',
}

/** One human line about a pull failure. */
export function pullSummary(f: PullFailure, container: string | null): string {
  const image = f.image ? `image "${f.image}"` : 'the image'
  const of = container ? ` for container ${container}` : ''
  const cause = f.cause.replace(/\s+/g, ' ').trim()
  const tail = cause.length > 140 ? `${cause.slice(0, 139)}…` : cause
  if (f.code === 'ImagePullFailed') return `pulling ${image}${of} failed: ${tail}`
  return `${image}${of} is ${WHAT[f.code]}: ${tail}`
}
