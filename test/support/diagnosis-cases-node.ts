import type { PodState } from '../../actors/lifecycle/pod-state.ts'
import type { DiagnosisCase } from './diagnosis-cases.ts'
import { at, bind, ctx, ev, mark, missed, pod, ready, runningPod } from './diagnosis-state.ts'

const violated = ctx('violated', 480)
const UID = 'a1b2c3d4-0000-4000-8000-00000000d1a9'

/** A pod whose only volume failure is `message`, plus the kubelet's 2-minute timeout summary. */
function mountFailing(reason: string, message: string): () => PodState {
  return () => {
    const s = bind(pod(), 1)
    ev(s, { reason, message, s: 2, lastS: 470, count: 20 })
    return missed(
      ev(s, {
        reason: 'FailedMount',
        message:
          'Unable to attach or mount volumes: unmounted volumes=[cert], unattached volumes=[cert kube-api-access-7x2kq]: timed out waiting for the condition',
        s: 124,
        lastS: 471,
        count: 3,
      }),
    )
  }
}

/** Volume, sandbox, node-side and delivery-wide cases. */
export const NODE_CASES: DiagnosisCase[] = [
  {
    name: 'missing secret volume (real wording)',
    code: 'VolumeConfigMissing',
    build: mountFailing(
      'FailedMount',
      'MountVolume.SetUp failed for volume "cert" : secret "web-tls" not found',
    ),
    ctx: violated,
    summary: /volume "cert": a secret or configMap it mounts does not exist/,
  },
  {
    name: 'missing configmap volume (real wording)',
    code: 'VolumeConfigMissing',
    build: mountFailing(
      'FailedMount',
      'MountVolume.SetUp failed for volume "client-ca" : configmap "client-ca" not found',
    ),
    ctx: violated,
  },
  {
    name: 'Multi-Attach',
    code: 'VolumeMountFailed',
    build: mountFailing(
      'FailedAttachVolume',
      'Multi-Attach error for volume "pvc-5b1d" Volume is already exclusively attached to one node and can\'t be attached to another',
    ),
    ctx: violated,
  },
  {
    name: 'CSI mount failure',
    code: 'VolumeMountFailed',
    build: mountFailing(
      'FailedMount',
      'MountVolume.MountDevice failed for volume "pvc-5b1d" : rpc error: code = Internal desc = mount failed: exit status 32',
    ),
    ctx: violated,
  },
  {
    name: 'only the mount timeout summary',
    code: 'VolumeMountFailed',
    build: () =>
      missed(
        ev(bind(pod(), 1), {
          reason: 'FailedMount',
          message:
            'Unable to attach or mount volumes: unmounted volumes=[data], unattached volumes=[data]: timed out waiting for the condition',
          s: 124,
          lastS: 470,
        }),
      ),
    ctx: violated,
  },
  {
    name: 'CNI failure (real multus wording)',
    code: 'SandboxFailed',
    build: () =>
      missed(
        ev(bind(pod(), 1), {
          reason: 'FailedCreatePodSandBox',
          message: `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to create pod network sandbox k8s_web-1_shop_${UID}_0(99774ed8627e): error adding pod shop_web-1 to CNI network "multus-cni-network": [shop/web-1:openshift-sdn]: error adding container to network "openshift-sdn": CNI request failed with status 400: 'http2: client connection lost'`,
          s: 2,
          lastS: 470,
          count: 40,
        }),
      ),
    ctx: violated,
    detail: /^CNI: /,
  },
  {
    name: 'Calico IPAM failure',
    code: 'SandboxFailed',
    build: () =>
      missed(
        ev(bind(pod(), 1), {
          reason: 'FailedCreatePodSandBox',
          message:
            'Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "8d1e": plugin type="calico" failed (add): error getting ClusterInformation: connection is unauthorized: Unauthorized',
          s: 2,
          lastS: 470,
          count: 40,
        }),
      ),
    ctx: violated,
    summary: /calico/,
  },
  {
    name: 'network not ready (real wording)',
    code: 'NetworkNotReady',
    build: () =>
      missed(
        ev(bind(pod(), 1), {
          reason: 'NetworkNotReady',
          message:
            'network is not ready: container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: No CNI configuration file in /etc/kubernetes/cni/net.d/. Has your network provider started?',
          s: 2,
          lastS: 470,
          count: 9,
        }),
      ),
    ctx: violated,
  },
  {
    name: 'kubelet admission: OutOfcpu',
    code: 'KubeletRejected',
    build: () => {
      const s = ev(bind(pod(), 1), {
        reason: 'OutOfcpu',
        message:
          "Node didn't have enough resource: cpu, requested: 4000, used: 3500, capacity: 4000",
        s: 2,
      })
      s.phase = { value: 'Failed', reason: 'OutOfcpu', t: at(2) }
      return mark(s, 'failed', 2)
    },
    ctx: ctx('failed', 3),
    summary: /OutOfcpu/,
  },
  {
    name: 'bound, kubelet silent',
    code: 'KubeletSlow',
    build: () => missed(bind(pod(), 1)),
    ctx: violated,
    summary: /bound to node node-a 7m59s ago, but the kubelet has shown no activity/,
  },
  {
    name: 'node-pressure eviction',
    code: 'Evicted',
    build: () => {
      const s = ev(runningPod(), {
        reason: 'Evicted',
        message:
          'The node was low on resource: memory. Threshold quantity: 100Mi, available: 51200Ki. Container app was using 1288490Ki, request is 0, has larger consumption of memory.',
        s: 60,
      })
      s.phase = { value: 'Failed', reason: 'Evicted', t: at(60) }
      return mark(s, 'failed', 60)
    },
    ctx: ctx('failed', 61),
    summary: /low on resource: memory/,
  },
  {
    name: 'eviction API (drain)',
    code: 'Evicted',
    build: () => {
      const s = runningPod()
      s.evicted = { t: at(50), p: 'us', s: 'audit' }
      return s
    },
    ctx: ctx('failed', 61),
  },
  {
    name: 'node went NotReady',
    code: 'NodeLost',
    build: () =>
      missed(
        ev(runningPod(), {
          reason: 'NodeNotReady',
          message: 'Node is not ready',
          component: 'node-controller',
          s: 30,
        }),
      ),
    ctx: violated,
  },
  {
    name: 'phase reason NodeLost',
    code: 'NodeLost',
    build: () => {
      const s = runningPod()
      s.phase = { value: 'Failed', reason: 'NodeLost', t: at(90) }
      return mark(s, 'failed', 90)
    },
    ctx: ctx('failed', 91),
  },
  {
    name: 'deleted while waiting for readiness',
    code: 'DeletedBeforeReady',
    build: () => mark(runningPod(), 'deleteRequested', 60),
    ctx: ctx('killed', 61),
    summary: /deleted before it became ready 1m after creation/,
  },
  {
    name: 'readiness over budget, no failure',
    code: 'SlowPhase',
    build: () => missed(ready(runningPod(), 485)),
    ctx: ctx('late', 600),
    summary: /readiness phase took 8m2s/,
  },
  {
    name: 'nothing matched',
    code: 'Unknown',
    build: () => missed(runningPod()),
    ctx: ctx('violated', 480, {
      budgets: {
        schedule: 3.6e6,
        nodeSetup: 3.6e6,
        imagePull: 3.6e6,
        init: 3.6e6,
        containerStart: 3.6e6,
        readiness: 3.6e6,
      },
    }),
  },
]
