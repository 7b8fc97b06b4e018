import type { PodIdentity } from './pod-sim.ts'
import { uuid } from './rand.ts'

/** The pod a ReplicaSet controller creates: the template part of a `create pods` request. */
export function podTemplate(id: PodIdentity, rand: () => number) {
  const { namespace, owner, containers } = id
  return {
    metadata: {
      generateName: `${owner}-`,
      namespace,
      labels: { app: owner.replace(/-[0-9a-f]+$/, ''), 'pod-template-hash': owner.slice(-9) },
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          name: owner,
          uid: uuid(rand),
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: {
      containers: containers.map((c) => ({
        name: c.name,
        image: c.image,
        ports: [{ containerPort: 8080, protocol: 'TCP' }],
        resources: {
          limits: { cpu: '500m', memory: '256Mi' },
          requests: { cpu: '100m', memory: '128Mi' },
        },
        readinessProbe: {
          httpGet: { path: '/healthz', port: 8080, scheme: 'HTTP' },
          periodSeconds: 5,
        },
        terminationMessagePath: '/dev/termination-log',
        terminationMessagePolicy: 'File',
        imagePullPolicy: 'IfNotPresent',
      })),
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
      dnsPolicy: 'ClusterFirst',
      serviceAccountName: 'default',
      schedulerName: 'default-scheduler',
      securityContext: {},
      enableServiceLinks: true,
      tolerations: [
        {
          key: 'node.kubernetes.io/not-ready',
          operator: 'Exists',
          effect: 'NoExecute',
          tolerationSeconds: 300,
        },
        {
          key: 'node.kubernetes.io/unreachable',
          operator: 'Exists',
          effect: 'NoExecute',
          tolerationSeconds: 300,
        },
      ],
    },
  }
}
