import { micros } from './audit-fixtures-base.ts'
import type { ScenarioInput } from './audit-fixtures-steps.ts'

/**
 * The pods of `test/fixtures/audit/mixed-pods.jsonl` (and `happy-pod.jsonl` = `happy`), one per
 * scenario. Namespace `team-fast` holds a fast pod (Ready about 6 s after creation) and a slow
 * one (image pull rate-limited, Ready about 1 min 35 s after creation) for SLO override tests.
 */
export const MIXED_PODS = {
  /** Happy path, then scaled down at +5 min (graceful delete, final kubelet delete). */
  happy: {
    namespace: 'default',
    name: 'web-7d9f8c6b5d-x2x7k',
    uid: '5f0c8a52-3b1e-4c47-9a7d-2e6b8f1c0a11',
    node: 'worker-1',
    nodeIP: '10.0.1.21',
    podIP: '10.244.1.17',
    owner: { kind: 'ReplicaSet', name: 'web-7d9f8c6b5d' },
    createdAt: micros('2024-05-14T09:00:00.120731Z'),
    deleteAfterMs: 300_000,
  },
  fast: {
    namespace: 'team-fast',
    name: 'api-5f6c7d8b9-ab12c',
    uid: '8a3d6f10-7c2b-4e59-b1a4-93d0e5f7c222',
    node: 'worker-2',
    nodeIP: '10.0.1.22',
    podIP: '10.244.2.31',
    owner: { kind: 'ReplicaSet', name: 'api-5f6c7d8b9' },
    containers: [{ name: 'api', image: 'registry.example.com/team-fast/api:2.4.1' }],
    createdAt: micros('2024-05-14T09:00:30.402118Z'),
  },
  slow: {
    namespace: 'team-fast',
    name: 'api-5f6c7d8b9-zq9wd',
    uid: 'c41e2b77-0d9a-4f3e-8b62-5a7c1d9e0333',
    node: 'worker-3',
    nodeIP: '10.0.1.23',
    podIP: '10.244.3.12',
    owner: { kind: 'ReplicaSet', name: 'api-5f6c7d8b9' },
    containers: [{ name: 'api', image: 'registry.example.com/team-fast/api:2.4.1' }],
    createdAt: micros('2024-05-14T09:00:30.409554Z'),
  },
  quota: {
    namespace: 'team-quota',
    name: 'batch-worker-6b8d9f7c4-m2k7p',
    node: 'worker-1',
    owner: { kind: 'ReplicaSet', name: 'batch-worker-6b8d9f7c4' },
    createdAt: micros('2024-05-14T09:01:02.883410Z'),
  },
  unschedulable: {
    namespace: 'shop',
    name: 'cart-84c9b6d5f-tq4vn',
    uid: 'e2b9f4a1-6c3d-4b8e-a0f7-1d5c9e2b4444',
    node: 'worker-4',
    nodeIP: '10.0.1.24',
    owner: { kind: 'ReplicaSet', name: 'cart-84c9b6d5f' },
    createdAt: micros('2024-05-14T09:00:10.004562Z'),
  },
  neverBound: {
    namespace: 'shop',
    name: 'orders-5c7f9d8b6-h8jzr',
    uid: '0b7c2e9d-4f1a-4c6b-9e3d-8a2f5c1b5555',
    owner: { kind: 'ReplicaSet', name: 'orders-5c7f9d8b6' },
    createdAt: micros('2024-05-14T09:00:12.771930Z'),
  },
  job: {
    namespace: 'analytics',
    name: 'report-28571940-7xk2d',
    uid: '7d4a1c8e-2b9f-4e6d-8c3a-5f0e1b7d6666',
    node: 'worker-2',
    nodeIP: '10.0.1.22',
    owner: { kind: 'Job', name: 'report-28571940' },
    createdAt: micros('2024-05-14T09:00:00.015287Z'),
  },
  evicted: {
    namespace: 'default',
    name: 'cache-6d5b8c9f7-p4lnx',
    uid: '3c9e7a2d-8b1f-4d5c-a6e4-0f2b9d3c7777',
    node: 'worker-3',
    nodeIP: '10.0.1.23',
    owner: { kind: 'ReplicaSet', name: 'cache-6d5b8c9f7' },
    createdAt: micros('2024-05-14T09:00:05.330019Z'),
  },
  /** In kube-system: dropped when that namespace is in `IgnoredNamespaceForAudit`. */
  system: {
    namespace: 'kube-system',
    name: 'coredns-7db6d8ff4d-4vx9q',
    uid: '9f1b3d5e-7a2c-4e8b-b0d6-2c4e6a8f8888',
    node: 'worker-1',
    nodeIP: '10.0.1.21',
    owner: { kind: 'ReplicaSet', name: 'coredns-7db6d8ff4d' },
    containers: [{ name: 'coredns', image: 'registry.k8s.io/coredns/coredns:v1.11.1' }],
    createdAt: micros('2024-05-14T09:00:20.650244Z'),
  },
} as const satisfies Record<string, ScenarioInput>
