import { sTime, uuidFrom } from './audit-fixtures-base.ts'
import type { FixtureContainerStatus, PodState } from './audit-fixtures-pod.ts'

type Status = Omit<FixtureContainerStatus, 'name'>

function hex64(seed: string): string {
  return (uuidFrom(`${seed}:a`) + uuidFrom(`${seed}:b`)).replaceAll('-', '').slice(0, 64)
}

/** The spec'd image of a container of the fixture pod. */
export function imageOf(st: PodState, name: string): string {
  const c = st.pod.spec.containers.find((x) => x.name === name)
  return String(c?.image ?? 'nginx:1.25.3')
}

function pulled(image: string): { image: string; imageID: string } {
  const repo = image.includes('/') ? image : `docker.io/library/${image}`
  return { image: repo, imageID: `${repo.split(':')[0]}@sha256:${hex64(image)}` }
}

/** `state.waiting` (ContainerCreating, ErrImagePull, ImagePullBackOff, …), not started. */
export function waitingStatus(
  st: PodState,
  name: string,
  reason: string,
  message?: string,
): Status {
  return {
    image: imageOf(st, name),
    imageID: '',
    lastState: {},
    ready: false,
    restartCount: 0,
    started: false,
    state: { waiting: { reason, ...(message ? { message } : {}) } },
  }
}

/** `state.running` since `startedAt` (µs; written in seconds). */
export function runningStatus(
  st: PodState,
  name: string,
  startedAt: number,
  ready: boolean,
): Status {
  return {
    ...pulled(imageOf(st, name)),
    containerID: `containerd://${hex64(`${st.uid}/${name}/${startedAt}`)}`,
    lastState: {},
    ready,
    restartCount: 0,
    started: true,
    state: { running: { startedAt: sTime(startedAt) } },
  }
}

/** `state.terminated` with reason and exit code (a run from `startedAt` to `finishedAt`). */
export function terminatedStatus(
  st: PodState,
  name: string,
  startedAt: number,
  finishedAt: number,
  reason: string,
  exitCode: number,
): Status {
  const containerID = `containerd://${hex64(`${st.uid}/${name}/${startedAt}`)}`
  return {
    ...pulled(imageOf(st, name)),
    containerID,
    lastState: {},
    ready: false,
    restartCount: 0,
    started: false,
    state: {
      terminated: {
        containerID,
        exitCode,
        finishedAt: sTime(finishedAt),
        reason,
        startedAt: sTime(startedAt),
      },
    },
  }
}

/** The names of the fixture pod's containers, in spec order. */
export function containerNames(st: PodState): string[] {
  return st.pod.spec.containers.map((c) => String(c.name))
}

/** `containers with unready status: [a b]`, the kubelet's readiness message. */
export function unready(names: readonly string[]): string {
  return `containers with unready status: [${names.join(' ')}]`
}
