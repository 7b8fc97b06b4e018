import type { PodState } from '../../actors/lifecycle/pod-state.ts'
import type { DiagnosisCase } from './diagnosis-cases.ts'
import { at, ctr, ctx, ev, ready, runningAt, stuck } from './diagnosis-state.ts'

const violated = ctx('violated', 480)

/** A pull that keeps failing with `message` (plus the kubelet's wrappers) from 5 s to 470 s. */
function pull(image: string, message: string): () => PodState {
  return () => {
    const s = stuck()
    const c = { container: 'app', lastS: 470, count: 10 }
    ev(s, { reason: 'Pulling', type: 'Normal', message: `Pulling image "${image}"`, s: 3, ...c })
    ev(s, { reason: 'Failed', message: `Failed to pull image "${image}": ${message}`, s: 5, ...c })
    ev(s, { reason: 'Failed', message: 'Error: ErrImagePull', s: 5, ...c })
    ev(s, {
      reason: 'BackOff',
      type: 'Normal',
      message: `Back-off pulling image "${image}"`,
      s: 6,
      ...c,
    })
    return ev(s, { reason: 'Failed', message: 'Error: ImagePullBackOff', s: 6, ...c })
  }
}

const IMAGE: [string, DiagnosisCase['code'], string, string][] = [
  [
    'docker: manifest unknown',
    'ImageNotFound',
    'nginx:doesnotexist',
    'rpc error: code = Unknown desc = Error response from daemon: manifest for nginx:doesnotexist not found: manifest unknown: manifest unknown',
  ],
  [
    'containerd: not found',
    'ImageNotFound',
    'docker.io/library/nginx:doesnotexist',
    'rpc error: code = NotFound desc = failed to pull and unpack image "docker.io/library/nginx:doesnotexist": failed to resolve reference "docker.io/library/nginx:doesnotexist": docker.io/library/nginx:doesnotexist: not found',
  ],
  [
    'cri-o: manifest unknown',
    'ImageNotFound',
    'quay.io/acme/app:v9',
    'rpc error: code = Unknown desc = reading manifest v9 in quay.io/acme/app: manifest unknown: manifest unknown',
  ],
  [
    "docker: ambiguous 'pull access denied, repository does not exist'",
    'ImageNotFound',
    'acme/privat',
    "rpc error: code = Unknown desc = Error response from daemon: pull access denied for acme/privat, repository does not exist or may require 'docker login': denied: requested access to the resource is denied",
  ],
  [
    'containerd: 401 anonymous token',
    'ImageUnauthorized',
    'registry.example/app:1.0',
    'rpc error: code = Unknown desc = failed to pull and unpack image "registry.example/app:1.0": failed to resolve reference "registry.example/app:1.0": failed to authorize: failed to fetch anonymous token: unexpected status: 401 Unauthorized',
  ],
  [
    'containerd: 403 oauth token (Artifact Registry)',
    'ImageUnauthorized',
    'us-docker.pkg.dev/acme/app/web:1',
    'rpc error: code = Unknown desc = failed to pull and unpack image "us-docker.pkg.dev/acme/app/web:1": failed to resolve reference "us-docker.pkg.dev/acme/app/web:1": failed to authorize: failed to fetch oauth token: unexpected status from GET request to https://us-docker.pkg.dev/v2/token?scope=repository%3Aacme%2Fapp%2Fweb%3Apull&service=us-docker.pkg.dev: 403 Forbidden',
  ],
  [
    'cri-o: unauthorized',
    'ImageUnauthorized',
    'quay.io/acme/private:1',
    'rpc error: code = Unknown desc = unable to retrieve auth token: invalid username/password: unauthorized: access to the requested resource is not authorized',
  ],
  [
    'docker: authentication required',
    'ImageUnauthorized',
    'gcr.io/acme/app:1',
    'rpc error: code = Unknown desc = Error response from daemon: Get https://gcr.io/v2/acme/app/manifests/1: unauthorized: authentication required',
  ],
  [
    'pull QPS exceeded (real, metal)',
    'ImagePullFailed',
    'registry.redhat.io/redhat/certified-operator-index:v4.9',
    'pull QPS exceeded',
  ],
  [
    'too many requests (real, metal)',
    'ImagePullFailed',
    'quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:146f0f1e',
    'rpc error: code = Unknown desc = too many requests to registry',
  ],
  [
    'containerd: i/o timeout',
    'ImagePullFailed',
    'registry.example/app:1.0',
    'rpc error: code = DeadlineExceeded desc = failed to pull and unpack image "registry.example/app:1.0": failed to resolve reference "registry.example/app:1.0": failed to do request: Head "https://registry.example/v2/app/manifests/1.0": dial tcp 10.0.0.5:443: i/o timeout',
  ],
  [
    'docker: pull rate limit',
    'ImagePullFailed',
    'nginx:1.25',
    'rpc error: code = Unknown desc = Error response from daemon: toomanyrequests: You have reached your pull rate limit. You may increase the limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit',
  ],
]

/** Image pull cases: docker, containerd and cri-o wordings. */
export const IMAGE_CASES: DiagnosisCase[] = [
  ...IMAGE.map(([name, code, image, message]) => ({
    name,
    code,
    build: pull(image, message),
    ctx: violated,
    summary: new RegExp(image.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')),
  })),
  {
    name: 'only the wrappers: ErrImagePull / ImagePullBackOff',
    code: 'ImagePullFailed',
    build: () =>
      ev(
        ev(stuck(), {
          reason: 'Failed',
          message: 'Error: ErrImagePull',
          s: 5,
          lastS: 470,
          container: 'app',
        }),
        {
          reason: 'Failed',
          message: 'Error: ImagePullBackOff',
          s: 6,
          lastS: 470,
          container: 'app',
        },
      ),
    ctx: violated,
  },
  {
    name: 'waiting ErrImagePull with a containerd not-found message (watch input)',
    code: 'ImageNotFound',
    build: () =>
      ctr(stuck(), 'app', {
        waiting: {
          reason: 'ErrImagePull',
          message:
            'rpc error: code = NotFound desc = failed to pull and unpack image "docker.io/library/nginx:nope": failed to resolve reference "docker.io/library/nginx:nope": docker.io/library/nginx:nope: not found',
          t: at(400),
        },
      }),
    ctx: violated,
  },
  {
    name: 'InvalidImageName (InspectFailed + Error: InvalidImageName)',
    code: 'ImageInvalidName',
    build: () => {
      const s = ev(stuck(), {
        reason: 'InspectFailed',
        message:
          'Failed to apply default image tag "Registry.Example/App:1.0": couldn\'t parse image reference "Registry.Example/App:1.0": invalid reference format: repository name must be lowercase',
        s: 3,
        lastS: 470,
        container: 'app',
      })
      return ev(s, {
        reason: 'Failed',
        message: 'Error: InvalidImageName',
        s: 3,
        lastS: 470,
        container: 'app',
      })
    },
    ctx: violated,
    summary: /invalid image reference/,
  },
  {
    name: 'ErrImageNeverPull',
    code: 'ImageNeverPull',
    build: () => {
      const s = ev(stuck(), {
        reason: 'ErrImageNeverPull',
        message: 'Container image "app:dev" is not present with pull policy of Never',
        s: 3,
        lastS: 470,
        container: 'app',
      })
      return ev(s, {
        reason: 'Failed',
        message: 'Error: ErrImageNeverPull',
        s: 3,
        lastS: 470,
        container: 'app',
      })
    },
    ctx: violated,
    summary: /"app:dev"/,
  },
  {
    name: 'slow pull, no failure',
    code: 'ImagePullSlow',
    build: () => {
      const s = stuck()
      s.pulls['registry.example/app:1.0'] = {
        start: { t: at(3), p: 's', s: 'event' },
        end: { t: at(300), p: 's', s: 'event' },
        reportedMs: 297_000,
      }
      return ready(runningAt(s, 301), 485)
    },
    ctx: ctx('late', 600),
    summary: /image pulls took 4m57s \(budget 2m\)/,
  },
]
