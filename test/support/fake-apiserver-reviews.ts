import type { IncomingMessage, ServerResponse } from 'node:http'

type Obj = Record<string, unknown>

/** A user the fake's TokenReview vouches for, and where SubjectAccessReview lets it get pods. */
export interface FakeUser {
  readonly username: string
  readonly groups?: readonly string[]
  /** Namespaces where `get pods` is allowed; `'*'`: cluster-wide. */
  readonly podNamespaces: readonly string[] | '*'
}

/** One TokenReview or SubjectAccessReview the fake answered. */
export interface RecordedReview {
  readonly kind: 'TokenReview' | 'SubjectAccessReview'
  readonly spec: Obj
  /** The reviewer's own credentials (the gateway's service account). */
  readonly authorization: string | undefined
}

export const REVIEW =
  /^\/apis\/(authentication\.k8s\.io\/v1\/tokenreviews|authorization\.k8s\.io\/v1\/subjectaccessreviews)$/

/**
 * Answers a TokenReview or SubjectAccessReview as the real API server does (201 with the posted
 * object plus `status`; 401 when the reviewer sends no credentials of its own): tokens of `users`
 * authenticate as their user; SubjectAccessReview allows `get pods` where the user's
 * `podNamespaces` say (`'*'` allows the cluster-wide review without a namespace too).
 */
export function answerReview(
  req: IncomingMessage,
  res: ServerResponse,
  kind: RecordedReview['kind'],
  users: ReadonlyMap<string, FakeUser>,
  reviews: RecordedReview[],
): void {
  const chunks: Buffer[] = []
  req.on('data', (c: Buffer) => chunks.push(c))
  req.on('end', () => {
    const authorization = req.headers.authorization
    if (!authorization) {
      reply(res, 401, status(401, 'Unauthorized', 'Unauthorized'))
      return
    }
    let body: Obj
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Obj
    } catch {
      reply(res, 400, status(400, 'BadRequest', 'the request body is not JSON'))
      return
    }
    const spec = (body.spec ?? {}) as Obj
    reviews.push({ kind, spec, authorization })
    const apiVersion =
      kind === 'TokenReview' ? 'authentication.k8s.io/v1' : 'authorization.k8s.io/v1'
    reply(res, 201, { kind, apiVersion, metadata: {}, spec, status: verdict(kind, spec, users) })
  })
}

function verdict(kind: RecordedReview['kind'], spec: Obj, users: ReadonlyMap<string, FakeUser>) {
  if (kind === 'TokenReview') {
    const user = users.get(String(spec.token))
    if (!user) return { authenticated: false, error: 'invalid bearer token' }
    return {
      authenticated: true,
      user: {
        username: user.username,
        uid: `uid-${user.username}`,
        groups: [...(user.groups ?? []), 'system:authenticated'],
      },
      audiences: ['https://kubernetes.default.svc'],
    }
  }
  const user = [...users.values()].find((u) => u.username === spec.user)
  const attrs = (spec.resourceAttributes ?? {}) as Obj
  const ns = typeof attrs.namespace === 'string' ? attrs.namespace : ''
  const pods = attrs.resource === 'pods' && attrs.verb === 'get' && !attrs.group
  const allowed =
    pods &&
    user !== undefined &&
    (user.podNamespaces === '*' || (ns !== '' && user.podNamespaces.includes(ns)))
  return allowed ? { allowed: true, reason: 'RBAC: allowed by fake' } : { allowed: false }
}

const status = (code: number, reason: string, message: string): Obj => ({
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Failure',
  message,
  reason,
  code,
})

function reply(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'Content-Type': 'application/json' })
  res.end(JSON.stringify(body))
}
