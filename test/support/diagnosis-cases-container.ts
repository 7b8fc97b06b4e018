import type { PodState } from '../../actors/lifecycle/pod-state.ts'
import type { DiagnosisCase } from './diagnosis-cases.ts'
import {
  at,
  cond,
  ctr,
  ctx,
  ev,
  missed,
  ready,
  runningAt,
  runningPod,
  stuck,
} from './diagnosis-state.ts'

const violated = ctx('violated', 480)
const UID = 'a1b2c3d4-0000-4000-8000-00000000d1a9'

/** A container failing with kubelet `Failed` event `Error: <text>` from 5 s to 470 s. */
function failing(
  text: string,
  waiting?: string,
  patch: Parameters<typeof ctr>[2] = {},
): () => PodState {
  return () => {
    const s = ev(stuck(), {
      reason: 'Failed',
      message: `Error: ${text}`,
      s: 5,
      lastS: 470,
      count: 30,
      container: 'app',
    })
    return ctr(s, 'app', {
      ...(waiting ? { waiting: { reason: waiting, message: text, t: at(470) } } : {}),
      ...patch,
    })
  }
}

/** A running pod whose `app` keeps failing probes of one kind from 10 s to 470 s. */
function probing(reason: 'Unhealthy' | 'ProbeError', message: string): () => PodState {
  return () => {
    const s = cond(
      runningPod(),
      'ContainersReady',
      'false',
      3,
      'ContainersNotReady',
      'containers with unready status: [app]',
    )
    ctr(s, 'app', { ready: false })
    return missed(ev(s, { reason, message, s: 10, lastS: 470, count: 46, container: 'app' }))
  }
}

/** Container create/start, crash, OOM, init, postStart hook and probe cases. */
export const CONTAINER_CASES: DiagnosisCase[] = [
  {
    name: 'missing secret in env',
    code: 'ContainerConfigError',
    build: failing('secret "db-creds" not found', 'CreateContainerConfigError'),
    ctx: violated,
    summary: /container app cannot be configured: secret "db-creds" not found/,
  },
  {
    name: 'missing key',
    code: 'ContainerConfigError',
    build: failing("couldn't find key password in Secret shop/db-creds"),
    ctx: violated,
  },
  {
    name: 'services not yet read (real, vsphere)',
    code: 'ContainerConfigError',
    build: failing('services have not yet been read at least once, cannot construct envvars'),
    ctx: violated,
  },
  {
    name: 'runtime create timeout',
    code: 'ContainerCreateFailed',
    build: failing('context deadline exceeded', 'CreateContainerError'),
    ctx: violated,
  },
  {
    name: 'container name reserved',
    code: 'ContainerCreateFailed',
    build: failing(
      'failed to reserve container name "app_web-1_shop_a1b2_0": name "app_web-1_shop_a1b2_0" is reserved for "4c1f"',
    ),
    ctx: violated,
  },
  {
    name: 'containerd: exec not found (StartError)',
    code: 'ContainerStartFailed',
    build: failing(
      'failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "/app/server": stat /app/server: no such file or directory: unknown',
      'RunContainerError',
      { lastTermination: { reason: 'StartError', exitCode: 128, t: at(469) }, restarts: 4 },
    ),
    ctx: violated,
    summary: /could not start/,
  },
  {
    name: 'docker: ContainerCannotRun',
    code: 'ContainerStartFailed',
    build: failing(
      'failed to start container "app": Error response from daemon: OCI runtime create failed: container_linux.go:349: starting container process caused "exec: \\"/app\\": permission denied": unknown',
      undefined,
      { lastTermination: { reason: 'ContainerCannotRun', exitCode: 126, t: at(469) } },
    ),
    ctx: violated,
  },
  {
    name: 'crash loop (legacy BackOff wording)',
    code: 'CrashLoopBackOff',
    build: () => {
      const s = ctr(runningPod(), 'app', {
        ready: false,
        restarts: 5,
        lastTermination: { reason: 'Error', exitCode: 1, t: at(400) },
        waiting: {
          reason: 'CrashLoopBackOff',
          message: 'back-off 2m40s restarting failed container=app pod=web-1_shop',
          t: at(401),
        },
      })
      return missed(
        ev(s, {
          reason: 'BackOff',
          message: 'Back-off restarting failed container',
          s: 20,
          lastS: 470,
          count: 30,
          container: 'app',
        }),
      )
    },
    ctx: violated,
    summary: /container app is crash-looping: last exit Error \(exit code 1\), 5 restarts/,
    detail: /Error \(exit code 1\)/,
  },
  {
    name: 'crash loop (1.26+ wording names the container), OOMKilled',
    code: 'CrashLoopBackOff',
    build: () => {
      const s = ctr(runningPod(), 'app', {
        ready: false,
        restarts: 3,
        lastTermination: { reason: 'OOMKilled', exitCode: 137, t: at(400) },
      })
      return missed(
        ev(s, {
          reason: 'BackOff',
          message: `Back-off restarting failed container app in pod web-1_shop(${UID})`,
          s: 20,
          lastS: 470,
          count: 12,
        }),
      )
    },
    ctx: violated,
    detail: /OOMKilled \(exit code 137\)/,
    findings: ['OOMKilled'],
  },
  {
    name: 'OOMKilled without back-off yet',
    code: 'OOMKilled',
    build: () =>
      missed(
        ctr(runningPod(), 'app', {
          ready: false,
          restarts: 1,
          lastTermination: { reason: 'OOMKilled', exitCode: 137, t: at(300) },
        }),
      ),
    ctx: violated,
    summary: /container app was OOMKilled \(exit code 137\)/,
  },
  {
    name: 'init container exits 1 and crash-loops',
    code: 'InitContainerFailed',
    build: () => {
      const s = ctr(stuck(['app'], ['migrate']), 'migrate', {
        restarts: 3,
        lastTermination: { reason: 'Error', exitCode: 1, t: at(300) },
      })
      return ev(s, {
        reason: 'BackOff',
        message: `Back-off restarting failed container migrate in pod web-1_shop(${UID})`,
        s: 20,
        lastS: 470,
        count: 9,
        initContainer: 'migrate',
      })
    },
    ctx: violated,
    summary: /init container migrate/,
  },
  {
    name: 'postStart hook fails',
    code: 'PostStartHookFailed',
    build: () =>
      ev(runningAt(stuck(), 3), {
        reason: 'FailedPostStartHook',
        message: `Exec lifecycle hook ([/bin/sh -c /hooks/warm.sh]) for Container "app" in Pod "web-1_shop(${UID})" failed - error: command '/bin/sh -c /hooks/warm.sh' exited with 1: , message: "cache warmup failed\\n"`,
        s: 4,
        lastS: 470,
        count: 8,
        container: 'app',
      }),
    ctx: violated,
    summary: /postStart hook of container app failed.*exited with 1/,
  },
  {
    name: 'postStart hook slow (next container pulled 37 s after app started)',
    code: 'PostStartHookSlow',
    build: () => {
      const s = stuck(['app', 'sidecar'])
      s.facts.postStartHooks = ['app']
      ev(s, {
        reason: 'Started',
        type: 'Normal',
        message: 'Started container app',
        s: 3,
        container: 'app',
      })
      ctr(s, 'app', { started: { t: at(3), p: 's', s: 'event' } })
      ev(s, {
        reason: 'Pulling',
        type: 'Normal',
        message: 'Pulling image "registry.example/sidecar:1.0"',
        s: 40,
        container: 'sidecar',
      })
      ev(s, {
        reason: 'Started',
        type: 'Normal',
        message: 'Started container sidecar',
        s: 42,
        container: 'sidecar',
      })
      ctr(s, 'sidecar', { started: { t: at(42), p: 's', s: 'event' } })
      return ready(s, 485)
    },
    ctx: ctx('late', 600, { postStartHookTimeoutMs: 10_000 }),
    summary: /about 37s \(PostStartHookTimeout 10s\)/,
  },
  {
    name: 'readiness probe failing (Unhealthy)',
    code: 'ReadinessProbeFailing',
    build: probing('Unhealthy', 'Readiness probe failed: HTTP probe failed with statuscode: 503'),
    ctx: violated,
    summary: /readiness probe of container app failing \(46x\).*statuscode: 503/,
  },
  {
    name: 'readiness probe error (1.21+ ProbeError with body)',
    code: 'ReadinessProbeFailing',
    build: probing(
      'ProbeError',
      'Readiness probe error: HTTP probe failed with statuscode: 500\nbody: [+]ping ok\n[-]etcd failed: reason withheld\n',
    ),
    ctx: violated,
  },
  {
    name: 'readiness probe errored (legacy)',
    code: 'ReadinessProbeFailing',
    build: probing(
      'Unhealthy',
      'Readiness probe errored: rpc error: code = NotFound desc = container is not created or running',
    ),
    ctx: violated,
  },
  {
    name: 'startup probe failing',
    code: 'StartupProbeFailing',
    build: probing(
      'Unhealthy',
      'Startup probe failed: Get "http://10.0.0.7:8080/healthz": dial tcp 10.0.0.7:8080: connect: connection refused',
    ),
    ctx: violated,
    summary: /startup probe/,
  },
  {
    name: 'liveness probe failing restarts the container',
    code: 'StartupProbeFailing',
    build: probing(
      'Unhealthy',
      'Liveness probe failed: Get "https://10.129.0.4:8443/healthz": net/http: request canceled (Client.Timeout exceeded while awaiting headers)',
    ),
    ctx: violated,
    summary: /liveness probe .* restarts the container/,
  },
]
