import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  classifyPullCause,
  parsePullEvent,
  parsePullWaiting,
} from '../../../actors/lifecycle/parse-image.ts'
import {
  classifyContainerError,
  classifyVolume,
  parseProbe,
  sandboxCause,
} from '../../../actors/lifecycle/parse-kubelet.ts'
import { parseScheduling } from '../../../actors/lifecycle/parse-scheduling.ts'

describe('parseScheduling', () => {
  it('splits items whose taint text contains commas and ignores the preemption part', () => {
    const p = parseScheduling(
      "0/6 nodes are available: 1 node(s) didn't have free ports for the requested pod ports, 2 node(s) had taint {node.kubernetes.io/not-ready: }, that the pod didn't tolerate, 3 node(s) had taint {node-role.kubernetes.io/master: }, that the pod didn't tolerate. preemption: 0/6 nodes are available: 6 Preemption is not helpful for scheduling.",
    )
    assert.equal(p.nodes, 6)
    assert.deepEqual(
      p.items.map((i) => [i.count, i.cause, i.subject]),
      [
        [1, 'Unschedulable.InsufficientResources', 'host ports'],
        [2, 'Unschedulable.NoNodes', 'node.kubernetes.io/not-ready'],
        [3, 'Unschedulable.TaintNotTolerated', 'node-role.kubernetes.io/master'],
      ],
    )
    assert.equal(p.cause, 'Unschedulable.TaintNotTolerated')
    assert.deepEqual(p.causes, [
      'Unschedulable.TaintNotTolerated',
      'Unschedulable.NoNodes',
      'Unschedulable.InsufficientResources',
    ])
  })

  it('breaks count ties in catalogue order and does not add up one cause', () => {
    const tie = parseScheduling(
      "0/6 nodes are available: 3 node(s) had taint {node-role.kubernetes.io/master: }, that the pod didn't tolerate, 3 node(s) had taint {node.kubernetes.io/not-ready: }, that the pod didn't tolerate.",
    )
    assert.equal(tie.cause, 'Unschedulable.TaintNotTolerated')
    const same = parseScheduling(
      "0/3 nodes are available: 2 Insufficient cpu, 2 Insufficient memory, 3 node(s) didn't match pod anti-affinity rules.",
    )
    assert.equal(same.cause, 'Unschedulable.AffinityMismatch', 'max per cause, not the sum')
  })

  it('handles the wording of every generation', () => {
    const cases: [string, string][] = [
      ['0/0 nodes are available.', 'Unschedulable.NoNodes'],
      [
        "0/3 nodes are available: 3 node(s) didn't match pod affinity/anti-affinity rules.",
        'Unschedulable.AffinityMismatch',
      ],
      [
        "0/3 nodes are available: 3 node(s) didn't satisfy existing pods anti-affinity rules.",
        'Unschedulable.AffinityMismatch',
      ],
      [
        "0/3 nodes are available: 3 node(s) didn't match pod affinity rules.",
        'Unschedulable.AffinityMismatch',
      ],
      [
        "0/1 nodes are available: 1 node(s) didn't find available persistent volumes to bind.",
        'Unschedulable.VolumeBinding',
      ],
      ['0/3 nodes are available: 3 node(s) were not ready.', 'Unschedulable.NoNodes'],
      [
        '0/2 nodes are available: 2 Insufficient nvidia.com/gpu.',
        'Unschedulable.InsufficientResources',
      ],
      [
        'running PreFilter plugin "VolumeBinding": error getting PVC "shop/data": could not find v1.PersistentVolumeClaim "shop/data"',
        'Unschedulable.VolumeBinding',
      ],
      [
        '0/3 nodes are available: 3 node(s) exceed max volume count.',
        'Unschedulable.InsufficientResources',
      ],
    ]
    for (const [message, cause] of cases)
      assert.equal(parseScheduling(message).cause, cause, message)
  })

  it('does not let quoted names steer a whole-message classification', () => {
    const p = parseScheduling(
      'pod "taint-insufficient-cpu" could not be processed: "no nodes available"',
    )
    assert.equal(p.cause, 'Unschedulable.Other')
  })
})

describe('image pull causes: docker, containerd, cri-o', () => {
  const cases: [string, string][] = [
    [
      'Error response from daemon: manifest for x:1 not found: manifest unknown: manifest unknown',
      'ImageNotFound',
    ],
    ['failed to resolve reference "docker.io/x:1": docker.io/x:1: not found', 'ImageNotFound'],
    ['reading manifest 1 in quay.io/a/x: manifest unknown: manifest unknown', 'ImageNotFound'],
    [
      'Error reading manifest 1 in registry.access.redhat.com/x: name unknown: Repo not found',
      'ImageNotFound',
    ],
    [
      "Error response from daemon: pull access denied for x, repository does not exist or may require 'docker login': denied: requested access to the resource is denied",
      'ImageNotFound',
    ],
    [
      'reading manifest 1 in docker.io/library/x: requested access to the resource is denied',
      'ImageUnauthorized',
    ],
    [
      'failed to authorize: failed to fetch anonymous token: unexpected status: 401 Unauthorized',
      'ImageUnauthorized',
    ],
    [
      'pulling from host x failed with status code [manifests 1]: 403 Forbidden',
      'ImageUnauthorized',
    ],
    [
      'Error response from daemon: Get https://x/v2/: no basic auth credentials',
      'ImageUnauthorized',
    ],
    ['pull QPS exceeded', 'ImagePullFailed'],
    [
      'Error response from daemon: Get "https://registry-1.docker.io/v2/": net/http: request canceled while waiting for connection',
      'ImagePullFailed',
    ],
    ['dial tcp: lookup registry.example on 10.0.0.10:53: no such host', 'ImagePullFailed'],
    [
      'failed to pull and unpack image "x": failed commit on ref "layer-sha256:1": unexpected EOF',
      'ImagePullFailed',
    ],
  ]
  for (const [cause, code] of cases) {
    it(`${code}: ${cause.slice(0, 70)}`, () => assert.equal(classifyPullCause(cause), code))
  }

  it('tells wrappers from causes', () => {
    assert.equal(parsePullEvent('Failed', 'Error: ErrImagePull')?.specific, false)
    assert.equal(parsePullEvent('BackOff', 'Back-off pulling image "x:1"')?.image, 'x:1')
    assert.equal(parsePullEvent('Failed', 'Error: InvalidImageName')?.code, 'ImageInvalidName')
    assert.equal(parsePullEvent('Failed', 'Error: secret "x" not found'), null)
    assert.equal(
      parsePullWaiting('ImagePullBackOff', 'Back-off pulling image "x:1"').specific,
      false,
    )
  })
})

describe('kubelet messages', () => {
  it('classifies Failed "Error: …" events', () => {
    const cases: [string, string | null][] = [
      ['Error: configmap "app-config" not found', 'ContainerConfigError'],
      ['Error: cannot find volume "data" to mount into container "app"', 'ContainerConfigError'],
      [
        'Error: container has runAsNonRoot and image will run as root (pod: "web-1_shop(1)", container: app)',
        'ContainerConfigError',
      ],
      ['Error: CreateContainerConfigError', 'ContainerConfigError'],
      [
        'Error: failed to prepare subPath for volumeMount "data" of container "app"',
        'ContainerConfigError',
      ],
      ['Error: RunContainerError', 'ContainerStartFailed'],
      ['Error: PreCreateHookError', 'ContainerCreateFailed'],
      ['Error: ErrImagePull', null],
      ['Failed to pull image "x": pull QPS exceeded', null],
    ]
    for (const [m, code] of cases) assert.equal(classifyContainerError(m), code, m)
  })

  it('reads probe kinds in the three generations of wording', () => {
    assert.deepEqual(parseProbe('Readiness probe failed: HTTP probe failed with statuscode: 500'), {
      kind: 'Readiness',
      text: 'HTTP probe failed with statuscode: 500',
    })
    assert.equal(
      parseProbe('Liveness probe errored: rpc error: code = DeadlineExceeded')?.kind,
      'Liveness',
    )
    assert.deepEqual(parseProbe('Startup probe error: Get "http://x/": EOF\nbody: \n'), {
      kind: 'Startup',
      text: 'Get "http://x/": EOF',
    })
    assert.equal(parseProbe('Readiness probe warning: Probe terminated redirects'), null)
  })

  it('separates missing config objects from platform mount failures', () => {
    assert.equal(
      classifyVolume('MountVolume.SetUp failed for volume "a" : secret "b" not found').code,
      'VolumeConfigMissing',
    )
    assert.equal(
      classifyVolume('MountVolume.SetUp failed for volume "a" : configmap "b" not found').code,
      'VolumeConfigMissing',
    )
    assert.equal(
      classifyVolume('MountVolume.SetUp failed for volume "a" : object "ns"/"b" not registered')
        .code,
      'VolumeMountFailed',
    )
    assert.equal(
      classifyVolume(
        'MountVolume.SetUp failed for volume "a" : failed to sync secret cache: timed out waiting for the condition',
      ).code,
      'VolumeMountFailed',
    )
    assert.equal(
      classifyVolume(
        'Unable to attach or mount volumes: unmounted volumes=[a]: timed out waiting for the condition',
      ).wrapper,
      true,
    )
  })

  it('strips the sandbox id and gRPC prefix from sandbox failures', () => {
    assert.equal(
      sandboxCause(
        'Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "1f": plugin type="calico" failed (add): ipam: no IP addresses available',
      ),
      'failed to setup network for sandbox "1f": plugin type="calico" failed (add): ipam: no IP addresses available',
    )
  })
})
