import type { MiddlewareHandler } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { bearerOf, matchIndex, sha256, unauthorized } from './auth.ts'
import { httpError } from './errors.ts'
import type { KubeAuthorizer } from './kube-auth.ts'
import type { GatewayEnv, GatewayLog } from './ports.ts'

/**
 * How the query API (and the UI) authenticates; with neither `tokens` nor `kubernetes` it is
 * open (only allowed on loopback or with `LUNETTES_INSECURE=true`, see config/exposure.ts).
 */
export interface ApiAuthOptions {
  /** Read tokens (`LUNETTES_API_TOKEN`, comma-separated): each sees every namespace. */
  readonly tokens?: readonly string[] | undefined
  /** `LUNETTES_API_AUTH=kubernetes`: TokenReview + SubjectAccessReview (`get pods`). */
  readonly kubernetes?: KubeAuthorizer | undefined
  /**
   * Secrets of other surfaces (the webhook and metrics tokens): refused here outright, never
   * forwarded to the API server in a TokenReview.
   */
  readonly foreignTokens?: readonly string[] | undefined
}

/** Whether the query API requires a credential with these options. */
export function apiAuthenticated(o: ApiAuthOptions | undefined): boolean {
  return Boolean(o && ((o.tokens?.length ?? 0) > 0 || o.kubernetes))
}

/**
 * The query API's authentication and namespace scope. Missing or unknown token → 401; a static
 * read token sees everything; a Kubernetes user sees the namespaces where a SubjectAccessReview
 * allows `get pods` (everything when allowed cluster-wide): asking for a namespace outside them,
 * or having none, → 403. Sets `caller` (`api:token-<n>`, `kube:<username>`) and `namespaces`.
 * When the API server cannot be asked: 503, never an open door.
 */
export function apiAuth(
  options: ApiAuthOptions | undefined,
  log: GatewayLog,
): MiddlewareHandler<GatewayEnv> {
  const tokens = Promise.all((options?.tokens ?? []).map(sha256))
  const foreign = Promise.all((options?.foreignTokens ?? []).map(sha256))
  const kube = options?.kubernetes
  const open = !apiAuthenticated(options)
  return async function apiAuth(c, next) {
    if (open) {
      c.set('namespaces', null)
      return next()
    }
    const presented = bearerOf(c)
    if (presented === undefined) throw unauthorized()
    const index = await matchIndex(presented, await tokens)
    if (index !== -1) {
      c.set('caller', `api:token-${index + 1}`)
      c.set('namespaces', null)
      return next()
    }
    if (!kube || (await matchIndex(presented, await foreign)) !== -1) {
      throw unauthorized('invalid bearer token')
    }
    let namespaces: readonly string[] | null
    const wanted = c.req.query('namespace')
    try {
      const user = await kube.authenticate(presented)
      if (!user) throw unauthorized('invalid bearer token')
      c.set('caller', `kube:${user.username}`)
      if (wanted) {
        namespaces = (await kube.canGetPods(user, wanted)) ? [wanted] : []
      } else {
        namespaces = await kube.allowedNamespaces(user)
      }
    } catch (err: unknown) {
      if (err instanceof HTTPException) throw err
      log.warn(
        { err: err instanceof Error ? err.message : String(err) },
        'query API: the Kubernetes API server could not review a caller',
      )
      throw httpError(503, 'Unavailable', 'cannot verify credentials right now; retry later', {
        'retry-after': '5',
      })
    }
    if (namespaces !== null && namespaces.length === 0) {
      throw httpError(
        403,
        'Forbidden',
        wanted
          ? `you may not get pods in namespace ${wanted}`
          : 'you may not get pods in any namespace',
      )
    }
    c.set('namespaces', namespaces)
    await next()
  }
}
