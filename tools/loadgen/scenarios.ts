import { sTime } from './audit-records.ts'
import type { PodSim } from './pod-sim.ts'
import { logNormal } from './rand.ts'

/** The delivery outcomes the generator mixes. */
export const OUTCOMES = [
  'success',
  'slowSchedule',
  'failedSchedulingThenBound',
  'imagePullError',
  'crashLoop',
  'deletedBeforeReady',
] as const
export type Outcome = (typeof OUTCOMES)[number]

/** Default mix (weights), roughly a busy cluster's: most pods are fine. */
export const DEFAULT_MIX: readonly (readonly [Outcome, number])[] = [
  ['success', 70],
  ['slowSchedule', 8],
  ['failedSchedulingThenBound', 6],
  ['imagePullError', 5],
  ['crashLoop', 5],
  ['deletedBeforeReady', 6],
]

const UNSCHEDULABLE =
  '0/12 nodes are available: 3 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 9 Insufficient cpu. preemption: 0/12 nodes are available: 3 Preemption is not helpful for scheduling, 9 No preemption victims found for incoming pod.'

function waiting(c: { name: string; image: string }, reason: string, message?: string) {
  return {
    name: c.name,
    image: c.image,
    imageID: '',
    lastState: {},
    ready: false,
    restartCount: 0,
    started: false,
    state: { waiting: { reason, ...(message ? { message } : {}) } },
  }
}

function running(c: { name: string; image: string }, at: number, ready: boolean, restarts = 0) {
  return {
    name: c.name,
    image: c.image,
    imageID: `${c.image.split(':')[0]}@sha256:${'5f0e'.repeat(16)}`,
    containerID: `containerd://${'a1b2'.repeat(16)}`,
    lastState: {},
    ready,
    restartCount: restarts,
    started: true,
    state: { running: { startedAt: sTime(at) } },
  }
}

/** Timings (µs) drawn per pod from distributions shaped like the real clusters' (see SOURCES). */
function timings(rand: () => number) {
  return {
    bind: logNormal(rand, 25_000, 0.8, 2_000, 400_000),
    accept: logNormal(rand, 140_000, 0.5, 30_000, 2_000_000),
    pull: logNormal(rand, 2_500_000, 0.9, 200_000, 40_000_000),
    ready: logNormal(rand, 3_000_000, 0.7, 500_000, 30_000_000),
  }
}

/**
 * Writes one pod's lifecycle for `outcome` into `sim.out`, starting at `t0` (epoch µs).
 * Returns the time of the pod's last record.
 */
export function play(sim: PodSim, outcome: Outcome, t0: number, rand: () => number): number {
  const d = timings(rand)
  const cs = sim.id.containers
  sim.create(t0)
  let t = t0 + d.bind
  // Slow enough to miss the default 480 s create SLO.
  if (outcome === 'slowSchedule') t += logNormal(rand, 540e6, 0.2, 490e6, 900e6)
  if (outcome === 'failedSchedulingThenBound' || outcome === 'deletedBeforeReady') {
    sim.schedulerEvent(t, 'FailedScheduling', UNSCHEDULABLE, 'Warning')
    sim.unschedulable(t + 3_000, UNSCHEDULABLE)
    if (outcome === 'deletedBeforeReady') {
      const at = t + logNormal(rand, 40e6, 0.7, 2e6, 400e6)
      sim.delete(at, false)
      return at
    }
    t += logNormal(rand, 45e6, 0.8, 3e6, 900e6)
  }
  sim.bind(t)
  t += d.accept
  sim.kubeletStatus(t, {
    conditions: [
      ['PodReadyToStartContainers', 'False'],
      ['Initialized', 'True'],
      ['Ready', 'False', 'ContainersNotReady'],
      ['ContainersReady', 'False', 'ContainersNotReady'],
    ],
    containers: cs.map((c) => waiting(c, 'ContainerCreating')),
  })
  t += 800_000
  for (const c of cs) {
    sim.kubeletEvent(t, 'Pulling', `Pulling image "${c.image}"`, c.name)
    if (outcome === 'imagePullError') {
      const msg = `Failed to pull image "${c.image}": rpc error: code = NotFound desc = failed to pull and unpack image "${c.image}": not found`
      sim.kubeletEvent(t + 900_000, 'Failed', msg, c.name, 'Warning')
      sim.kubeletEvent(t + 950_000, 'Failed', 'Error: ErrImagePull', c.name, 'Warning')
      sim.kubeletStatus(t + 1_000_000, {
        containers: cs.map((x) => waiting(x, 'ErrImagePull', msg)),
      })
      const backoff = `Back-off pulling image "${c.image}"`
      sim.kubeletEvent(t + 12e6, 'BackOff', backoff, c.name, 'Normal')
      sim.kubeletStatus(t + 12.2e6, {
        containers: cs.map((x) => waiting(x, 'ImagePullBackOff', backoff)),
      })
      return t + 12.2e6
    }
    t += d.pull
    const took = `${(d.pull / 1e6).toFixed(3)}s`
    sim.kubeletEvent(
      t,
      'Pulled',
      `Successfully pulled image "${c.image}" in ${took} (${took} including waiting). Image size: 48213654 bytes.`,
      c.name,
    )
    sim.kubeletEvent(t + 60_000, 'Created', `Created container ${c.name}`, c.name)
    t += 110_000
    sim.kubeletEvent(t, 'Started', `Started container ${c.name}`, c.name)
  }
  sim.kubeletStatus(t + 200_000, {
    phase: 'Running',
    conditions: [['PodReadyToStartContainers', 'True']],
    containers: cs.map((c) => running(c, t, false)),
  })
  if (outcome === 'crashLoop') {
    let at = t + 2e6
    for (let restart = 1; restart <= 3; restart++) {
      const c = cs[0]
      if (!c) break
      sim.kubeletEvent(
        at,
        'BackOff',
        `Back-off restarting failed container ${c.name} in pod ${sim.id.name}_${sim.id.namespace}(${sim.id.uid})`,
        c.name,
        'Warning',
      )
      sim.kubeletStatus(at + 100_000, {
        containers: cs.map((x) => ({
          ...waiting(
            x,
            'CrashLoopBackOff',
            `back-off ${10 * 2 ** (restart - 1)}s restarting failed container=${x.name}`,
          ),
          restartCount: restart,
          lastState: {
            terminated: {
              exitCode: 1,
              reason: 'Error',
              startedAt: sTime(at - 1e6),
              finishedAt: sTime(at),
            },
          },
        })),
      })
      at += 10e6 * 2 ** restart
    }
    return at
  }
  t += d.ready
  sim.kubeletStatus(t, {
    conditions: [
      ['Ready', 'True'],
      ['ContainersReady', 'True'],
    ],
    containers: cs.map((c) => running(c, t - d.ready, true)),
  })
  return t
}
