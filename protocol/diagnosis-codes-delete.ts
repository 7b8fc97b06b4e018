/**
 * The delete family of the diagnosis catalogue (phase `delete`): what held a pod's deletion past
 * its delete SLO (LIFECYCLE §5: `late`, `timeout`, and the `violated` alert while it terminates).
 * Spread into `DIAGNOSIS_CODES` (protocol/diagnosis-codes.ts), which checks each entry's shape.
 */
export const DELETE_CODES = {
  'DeleteBlocked.Finalizer': {
    owner: 'user',
    phase: 'delete',
    meaning:
      "the pod had its deletionTimestamp and its containers had stopped, but a finalizer stayed on it (detail: the finalizer); owner platform for Kubernetes' own finalizers (`*kubernetes.io/*`, `*k8s.io/*`)",
    upstream: null,
  },
  'DeleteBlocked.GracePeriod': {
    owner: 'user',
    phase: 'delete',
    meaning:
      'a container ignored SIGTERM (or its preStop hook ran on) until the grace period ended and was killed: exit 137 / reason at about deletion + `terminationGracePeriodSeconds` (detail: container, grace)',
    upstream: null,
  },
  'DeleteBlocked.KubeletUnconfirmed': {
    owner: 'platform',
    phase: 'delete',
    meaning:
      "a graceful delete was requested but the kubelet never confirmed it (no final delete with grace 0): the node NotReady / unreachable, or the kubelet stuck (detail: node, the node's state when known)",
    upstream: null,
  },
  'DeleteBlocked.Other': {
    owner: 'unknown',
    phase: 'delete',
    meaning: 'the delete SLO was missed and none of the delete causes above matched',
    upstream: null,
  },
} as const
