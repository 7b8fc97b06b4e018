import * as v from 'valibot'
import { DELETE_CODES } from './diagnosis-codes-delete.ts'
import { SCHEDULE_CODES } from './diagnosis-codes-schedule.ts'

/**
 * Diagnosis phases in rule order (LIFECYCLE §6): schedule → admission → volume → sandbox/network →
 * image → container create → start → hooks → init → readiness. `node` holds what ends a pod from
 * outside (eviction, node loss); `delivery` holds the codes about the delivery as a whole;
 * `delete` holds the codes that explain a delete SLO verdict (the `DeleteBlocked.*` family).
 */
export const DIAGNOSIS_PHASES = [
  'schedule',
  'admission',
  'volume',
  'sandbox',
  'image',
  'containerCreate',
  'containerStart',
  'hooks',
  'init',
  'readiness',
  'node',
  'delivery',
  'delete',
] as const
/** A diagnosis phase; its index in {@link DIAGNOSIS_PHASES} is its rank. */
export const DiagnosisPhase = v.picklist(DIAGNOSIS_PHASES)
export type DiagnosisPhase = v.InferOutput<typeof DiagnosisPhase>

/**
 * Who owns a code in the catalogue: `by-phase` (only `SlowPhase`) means the owner follows the slow
 * phase: `schedule`, `nodeSetup`, `imagePull` → platform; `init`, `containerStart`, `readiness` → user.
 */
export type CatalogueOwner = 'user' | 'platform' | 'unknown' | 'by-phase'

/** One catalogue entry: the owner, the phase, what it means, and the upstream Lunettes alias. */
export interface DiagnosisCodeInfo {
  readonly owner: CatalogueOwner
  readonly phase: DiagnosisPhase
  readonly meaning: string
  /** The upstream Lunettes code(s) this one replaces, or `null` when it is ours. */
  readonly upstream: string | null
}

/**
 * The closed catalogue of diagnosis codes (LIFECYCLE §6), in phase order. Codes are stable API:
 * never renamed, never reused with another meaning. Families live in their own files (scheduling
 * and admission, delete) and are spread in here in phase order; readers see one catalogue. `docs/diagnosis-codes.md` is generated from it
 * by `tools/gen-diagnosis-doc.ts`.
 */
export const DIAGNOSIS_CODES = {
  ...SCHEDULE_CODES,
  VolumeConfigMissing: {
    owner: 'user',
    phase: 'volume',
    meaning: 'FailedMount for a missing secret or configMap (or a missing key in one)',
    upstream: null,
  },
  VolumeMountFailed: {
    owner: 'platform',
    phase: 'volume',
    meaning: 'any other FailedMount, FailedAttachVolume, FailedMapVolume or Multi-Attach error',
    upstream: 'FailedMount',
  },
  SandboxFailed: {
    owner: 'platform',
    phase: 'sandbox',
    meaning: 'FailedCreatePodSandBox (detail: the CNI / IP allocation message)',
    upstream: 'FailedCreatePodSandBox, FailedSetNetwork, AllocateIPTimeout',
  },
  NetworkNotReady: {
    owner: 'platform',
    phase: 'sandbox',
    meaning: "`NetworkNotReady` events: the node's container runtime network is not ready",
    upstream: null,
  },
  ImageNotFound: {
    owner: 'user',
    phase: 'image',
    meaning:
      "pull failed with not found / manifest unknown / repository does not exist (also Docker's ambiguous `pull access denied … repository does not exist or may require …`)",
    upstream: 'ImageNotFound',
  },
  ImageUnauthorized: {
    owner: 'user',
    phase: 'image',
    meaning: 'pull failed with 401 / 403 / unauthorized / denied / authorization failed',
    upstream: null,
  },
  ImageInvalidName: {
    owner: 'user',
    phase: 'image',
    meaning: '`InvalidImageName`: the image reference does not parse',
    upstream: 'InvalidImageName',
  },
  ImageNeverPull: {
    owner: 'user',
    phase: 'image',
    meaning: '`ErrImageNeverPull`: imagePullPolicy Never and the image is not on the node',
    upstream: null,
  },
  ImagePullFailed: {
    owner: 'platform',
    phase: 'image',
    meaning:
      'any other pull failure: timeout, `pull QPS exceeded`, too many requests, registry unavailable, `rpc error`',
    upstream: 'FailedPullImage',
  },
  ImagePullSlow: {
    owner: 'platform',
    phase: 'image',
    meaning: 'no pull failure, but the image pull phase ran over its budget',
    upstream: 'PullImageTooMuchTime',
  },
  ContainerConfigError: {
    owner: 'user',
    phase: 'containerCreate',
    meaning:
      '`CreateContainerConfigError`, or `Failed` with a missing secret/configMap/key/volume, or `cannot construct envvars`',
    upstream: null,
  },
  ContainerCreateFailed: {
    owner: 'platform',
    phase: 'containerCreate',
    meaning:
      '`CreateContainerError` / `PreCreateHookError` / `PreStartHookError`: the runtime could not create the container',
    upstream: null,
  },
  ContainerStartFailed: {
    owner: 'user',
    phase: 'containerStart',
    meaning: '`RunContainerError` / `StartError` / `ContainerCannotRun`: the process did not start',
    upstream: null,
  },
  CrashLoopBackOff: {
    owner: 'user',
    phase: 'containerStart',
    meaning: '`Back-off restarting failed container` (detail: last termination reason, exit code)',
    upstream: 'CrashLoopBackOff',
  },
  OOMKilled: {
    owner: 'user',
    phase: 'containerStart',
    meaning: "a container's last termination reason was OOMKilled during delivery",
    upstream: null,
  },
  PostStartHookFailed: {
    owner: 'user',
    phase: 'hooks',
    meaning: '`FailedPostStartHook`: the postStart hook failed and the container was killed',
    upstream: 'FailedPostStartHook',
  },
  PostStartHookSlow: {
    owner: 'user',
    phase: 'hooks',
    meaning: 'a postStart hook ran over `PostStartHookTimeout` (measured only with end evidence)',
    upstream: 'PostStartHookTooMuchTime',
  },
  InitContainerFailed: {
    owner: 'user',
    phase: 'init',
    meaning: 'an init container terminated non-zero or is crash-looping',
    upstream: null,
  },
  ReadinessProbeFailing: {
    owner: 'user',
    phase: 'readiness',
    meaning: '`Unhealthy` / `ProbeError`: readiness probe failures keep the pod not ready',
    upstream: null,
  },
  StartupProbeFailing: {
    owner: 'user',
    phase: 'readiness',
    meaning: '`Unhealthy` / `ProbeError`: startup or liveness probe failures restart the container',
    upstream: null,
  },
  Evicted: {
    owner: 'platform',
    phase: 'node',
    meaning: 'evicted: eviction API, kubelet node-pressure eviction, taint-manager deletion',
    upstream: null,
  },
  NodeLost: {
    owner: 'platform',
    phase: 'node',
    meaning:
      'the node went NotReady / unreachable / shut down while delivering (`NodeNotReady`, reason `NodeLost`)',
    upstream: null,
  },
  DeletedBeforeReady: {
    owner: 'unknown',
    phase: 'delivery',
    meaning: 'result `killed` and nothing was blocking the pod',
    upstream: 'beforeFinish',
  },
  SlowPhase: {
    owner: 'by-phase',
    phase: 'delivery',
    meaning: 'over the SLO with no hard failure; the detail names the phase most over its budget',
    upstream: null,
  },
  Unknown: {
    owner: 'unknown',
    phase: 'delivery',
    meaning:
      'nothing matched; also a pod create the API server failed itself (audit 5xx), which is neither a refusal of the pod nor a cause we can place',
    upstream: 'timeout_unknown',
  },
  ...DELETE_CODES,
} as const satisfies Record<string, DiagnosisCodeInfo>

/** A code of the catalogue. */
export type DiagnosisCode = keyof typeof DIAGNOSIS_CODES

/** Every code, in catalogue (phase) order. */
export const DIAGNOSIS_CODE_LIST = Object.keys(DIAGNOSIS_CODES) as [
  DiagnosisCode,
  ...DiagnosisCode[],
]

/** valibot schema of a diagnosis code: the closed catalogue. */
export const DiagnosisCode = v.picklist(DIAGNOSIS_CODE_LIST)

/** Rank of a phase in rule order (lower runs first). */
export function phaseRank(phase: DiagnosisPhase): number {
  return DIAGNOSIS_PHASES.indexOf(phase)
}
