/**
 * Kubelet vocabulary other than image pulls: container create/start errors, volume mounts, probes,
 * sandbox/CNI failures, admission rejections, evictions and node loss.
 */

/** Container-level codes the kubelet's `Failed` events and waiting/terminated reasons map to. */
export type ContainerCode =
  | 'ContainerConfigError'
  | 'ContainerCreateFailed'
  | 'ContainerStartFailed'

const CONFIG_TEXT =
  /CreateContainerConfigError|cannot find volume|couldn't find key|secrets? "[^"]*" not found|config ?maps? "[^"]*" not found|services have not yet been read at least once|cannot construct envvars|failed to prepare subPath|runAsNonRoot and image (will run as root|has non-numeric user)|failed to sync (secret|configmap) cache|failed to generate container config/i
const CREATE_TEXT =
  /CreateContainerError|PreCreateHookError|PreStartHookError|failed to reserve container name|failed to create container|CreateContainer/i
const START_TEXT =
  /RunContainerError|StartError|ContainerCannotRun|failed to start container|OCI runtime (create|start|exec) failed|executable file not found|failed to create (containerd|shim) task|starting container process caused|error during container init|no such file or directory: unknown/i

/**
 * Classifies a kubelet `Failed` event `Error: <message>` that is not about an image pull. The
 * kubelet writes the generated error text, not the waiting reason, so the text decides; an
 * unrecognised runtime error is a create failure (the runtime's side).
 */
export function classifyContainerError(message: string): ContainerCode | null {
  const m = /^Error:\s*(.*)$/s.exec(message)
  if (!m || m[1] === undefined) return null
  const text = m[1]
  if (
    /^(ErrImagePull|ImagePullBackOff|InvalidImageName|ErrImageNeverPull|ImageInspectError|RegistryUnavailable|SignatureValidationFailed)\b/.test(
      text,
    )
  ) {
    return null
  }
  if (CONFIG_TEXT.test(text)) return 'ContainerConfigError'
  if (START_TEXT.test(text)) return 'ContainerStartFailed'
  if (CREATE_TEXT.test(text)) return 'ContainerCreateFailed'
  return 'ContainerCreateFailed'
}

/** Container waiting reasons → code (image reasons are handled by parse-image). */
export const WAITING_CODES: Readonly<
  Record<string, ContainerCode | 'PostStartHookFailed' | 'CrashLoopBackOff'>
> = {
  CreateContainerConfigError: 'ContainerConfigError',
  CreateContainerError: 'ContainerCreateFailed',
  PreCreateHookError: 'ContainerCreateFailed',
  PreStartHookError: 'ContainerCreateFailed',
  RunContainerError: 'ContainerStartFailed',
  PostStartHookError: 'PostStartHookFailed',
  CrashLoopBackOff: 'CrashLoopBackOff',
}

/** Terminated reasons that mean the process never ran (containerd `StartError`, docker `ContainerCannotRun`). */
export const START_TERMINATIONS = new Set(['StartError', 'ContainerCannotRun'])

/** `Back-off restarting failed container` (newer: `… failed container NAME in pod POD`). */
export const RESTART_BACKOFF = /^Back-off restarting failed container(?: (\S+) in pod)?/

/** Volume event reasons. */
export const VOLUME_REASONS = new Set(['FailedMount', 'FailedAttachVolume', 'FailedMapVolume'])

/** Classifies a volume failure message; `wrapper` marks `Unable to attach or mount volumes … timed out`. */
export function classifyVolume(message: string): {
  code: 'VolumeConfigMissing' | 'VolumeMountFailed'
  wrapper: boolean
  volume: string | null
} {
  const volume = /for volume "([^"]+)"/.exec(message)?.[1] ?? null
  const wrapper = /^Unable to (attach or )?mount volumes/i.test(message)
  const missing =
    /\b(secrets?|config ?maps?) "[^"]*" not found|couldn't find key|configmap references non-existent config key/i.test(
      message,
    )
  return { code: missing ? 'VolumeConfigMissing' : 'VolumeMountFailed', wrapper, volume }
}

/** What an `Unhealthy` / `ProbeError` message says: the probe kind and the failure text. */
export interface ProbeFailure {
  kind: 'Readiness' | 'Liveness' | 'Startup'
  text: string
}

const PROBE = /^(Readiness|Liveness|Startup) probe (failed|errored|error):?\s*(.*)$/s

/** Parses `Readiness probe failed: …`, legacy `… probe errored: …` and newer `… probe error: …`. */
export function parseProbe(message: string): ProbeFailure | null {
  const m = PROBE.exec(message)
  if (!m?.[1]) return null
  return { kind: m[1] as ProbeFailure['kind'], text: withoutBody(m[3] ?? '') }
}

/**
 * The probe text without the HTTP response body the kubelet appends (`… body: <html>`), trimmed.
 * A cut at the first `body:` rather than a `\s*body:[\s\S]*$` pattern, which backtracks over
 * every run of spaces (quadratic on a message of blanks).
 */
export function withoutBody(text: string): string {
  const at = text.indexOf('body:')
  return (at >= 0 ? text.slice(0, at) : text).trim()
}

/** Sandbox event reasons (ours and upstream's patched-kubelet aliases). */
export const SANDBOX_REASONS = new Set([
  'FailedCreatePodSandBox',
  'FailedPodSandBoxStatus',
  'FailedSetNetwork',
  'AllocateIPTimeout',
])

/**
 * The informative part of a sandbox failure: the CNI / IP message without the gRPC prefix and the
 * sandbox id (`k8s_<pod>_<ns>_<uid>_0(<hash>): `).
 */
export function sandboxCause(message: string): string {
  let text = message.replace(/^Failed to create pod sandbox:\s*/, '')
  text = text.replace(/^rpc error: code = \w+ desc = /, '')
  const cni = cniCause(text)
  if (cni) return `CNI: ${cni}`
  const id =
    /^failed to (create|setup) (pod )?network( sandbox)? k8s_\S+?\([0-9a-f]+\):\s*(.*)$/s.exec(text)
  if (id?.[4]) return id[4].trim()
  return text.trim()
}

const CNI_HEAD = /error adding (?:pod \S+ )?to CNI network/

/**
 * What follows the first colon after `error adding … to CNI network`, trimmed, or `''`. Found
 * in two linear steps: one pattern `…network[^:]*:\s*(.*)$` retried the `[^:]*` scan from every
 * occurrence of the head.
 */
export function cniCause(text: string): string {
  const head = CNI_HEAD.exec(text)
  if (!head) return ''
  const colon = text.indexOf(':', head.index + head[0].length)
  return colon < 0 ? '' : text.slice(colon + 1).trim()
}

/** Pod phase / event reasons of kubelet admission rejections. */
export function isKubeletRejection(reason: string): boolean {
  return (
    /^OutOf/.test(reason) ||
    [
      'NodeAffinity',
      'NodeSelectorMismatch',
      'NodeName',
      'NodePorts',
      'UnexpectedAdmissionError',
      'InvalidNodeInfo',
      'PodOSNotSupported',
      'PodOSSelectorNodeLabelDoesNotMatch',
      'SysctlForbidden',
      'TopologyAffinityError',
      'SMTAlignmentError',
      'UnknownReason',
    ].includes(reason)
  )
}

/** Event / phase / DisruptionTarget reasons of evictions. */
export const EVICTION_REASONS = new Set([
  'Evicted',
  'EvictionByEvictionAPI',
  'DeletionByTaintManager',
  'TerminationByKubelet',
])

/** Event / phase / condition reasons of a lost node. */
export const NODE_LOST_REASONS = new Set([
  'NodeLost',
  'NodeNotReady',
  'NodeShutdown',
  'DeletionByPodGC',
  'NodeControllerEviction',
])

/** Reasons of preemption (scheduler event, kubelet critical-pod preemption, DisruptionTarget). */
export const PREEMPTION_REASONS = new Set([
  'Preempted',
  'Preempting',
  'PreemptionByScheduler',
  'PreemptionByKubeScheduler',
])
