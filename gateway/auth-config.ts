import { readFileSync } from 'node:fs'
import { parseGoDuration } from '../config/duration.ts'
import { decideExposure, type ExposedSurface, parseInsecure } from '../config/exposure.ts'
import type { WebhookAuthOptions } from './auth.ts'
import { type ApiAuthOptions, apiAuthenticated } from './auth-api.ts'
import { KubeAuthorizer } from './kube-auth.ts'
import { kubeTransport, loadKubeConfig } from './kube-auth-client.ts'

type Env = Readonly<Record<string, string | undefined>>

/** The gateway's port when `LUNETTES_HTTP_ADDR` is not set. */
export const DEFAULT_HTTP_PORT = 8080

/** Who may use which gateway surface, from the environment (see `gatewaySecurityFromEnv`). */
export interface GatewaySecurity {
  /** The address to listen on (`LUNETTES_HTTP_ADDR`, else the exposure rule's default). */
  readonly addr: string
  readonly webhook: WebhookAuthOptions
  readonly api: ApiAuthOptions | undefined
  readonly metricsToken: string | undefined
  /** `LUNETTES_INSECURE=true`. */
  readonly insecure: boolean
  /** To log at start (open surfaces on loopback, or the insecure opt-out). */
  readonly warnings: readonly string[]
}

/** What reading the settings may touch; tests replace both. */
export interface SecurityIo {
  readText(path: string): string
  kubernetes(env: Env, ttlMs: number): KubeAuthorizer
}

const defaultIo: SecurityIo = {
  readText: (path) => readFileSync(path, 'utf8'),
  kubernetes: (env, ttlMs) =>
    new KubeAuthorizer({
      ttlMs,
      transport: kubeTransport(
        loadKubeConfig({
          inCluster: Boolean(env.KUBERNETES_SERVICE_HOST),
          kubeconfig: env.KUBECONFIG,
        }),
      ),
    }),
}

/**
 * A secret from `NAME` or from the file `NAME_FILE` (trimmed), never both. The message of a
 * failure names the variable, never the value.
 */
function secret(env: Env, name: string, io: SecurityIo): string | undefined {
  const value = env[name] || undefined
  const file = env[`${name}_FILE`] || undefined
  if (value !== undefined && file !== undefined) {
    throw new Error(`${name} and ${name}_FILE are both set: use one`)
  }
  if (file === undefined) return value?.trim() || undefined
  let text: string
  try {
    text = io.readText(file)
  } catch (err: unknown) {
    const code = (err as { code?: unknown }).code
    throw new Error(
      `${name}_FILE=${file}: cannot read${typeof code === 'string' ? ` (${code})` : ''}`,
    )
  }
  const trimmed = text.trim()
  if (!trimmed) throw new Error(`${name}_FILE=${file}: the file is empty`)
  return trimmed
}

function list(text: string | undefined): string[] {
  return (text ?? '')
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter((s) => s !== '')
}

/** The surfaces a gateway serves and whether each is protected (the exposure rule's input). */
export function gatewaySurfaces(o: {
  webhook: WebhookAuthOptions
  api?: ApiAuthOptions | undefined
  metricsToken?: string | undefined
  metrics?: boolean | undefined
}): ExposedSurface[] {
  const surfaces: ExposedSurface[] = [
    {
      name: 'the audit webhook',
      authenticated: o.webhook.token !== undefined || o.webhook.requireClientCert === true,
      settings: ['LUNETTES_WEBHOOK_TOKEN', 'LUNETTES_CLIENT_CA with LUNETTES_CLIENT_NAMES'],
    },
    {
      name: 'the query API',
      authenticated: apiAuthenticated(o.api),
      settings: ['LUNETTES_API_TOKEN', 'LUNETTES_API_AUTH=kubernetes'],
    },
  ]
  if (o.metrics !== false) {
    surfaces.push({
      name: '/metrics',
      authenticated: o.metricsToken !== undefined,
      settings: ['LUNETTES_METRICS_TOKEN'],
    })
  }
  return surfaces
}

/**
 * Reads who may use the gateway: `LUNETTES_WEBHOOK_TOKEN`(`_FILE`), `LUNETTES_CLIENT_CA` +
 * `LUNETTES_CLIENT_NAMES` (mTLS allow-list: CN or SAN values), `LUNETTES_API_TOKEN`(`_FILE`,
 * comma-separated), `LUNETTES_API_AUTH=kubernetes` (+ `LUNETTES_API_AUTH_TTL`, default 30s),
 * `LUNETTES_METRICS_TOKEN`(`_FILE`), `LUNETTES_INSECURE`, and decides the listen address with
 * config/exposure.ts. Throws an Error naming the variable (never a secret) on a bad setting or a
 * refused exposure.
 */
export function gatewaySecurityFromEnv(env: Env, io: SecurityIo = defaultIo): GatewaySecurity {
  const insecure = parseInsecure(env.LUNETTES_INSECURE)
  const webhookToken = secret(env, 'LUNETTES_WEBHOOK_TOKEN', io)
  const apiTokens = list(secret(env, 'LUNETTES_API_TOKEN', io))
  const metricsToken = secret(env, 'LUNETTES_METRICS_TOKEN', io)
  const clientNames = list(env.LUNETTES_CLIENT_NAMES)
  const mtls = Boolean(env.LUNETTES_CLIENT_CA)
  if (mtls && clientNames.length === 0) {
    throw new Error(
      'LUNETTES_CLIENT_CA is set but LUNETTES_CLIENT_NAMES is empty: list the CN or SAN values ' +
        "of the client certificates to accept (the API server's), so not every certificate of " +
        'that CA passes',
    )
  }
  if (!mtls && clientNames.length > 0) {
    throw new Error('LUNETTES_CLIENT_NAMES needs LUNETTES_CLIENT_CA (it names mTLS clients)')
  }
  const secrets = [webhookToken, metricsToken, ...apiTokens].filter((t) => t !== undefined)
  if (new Set(secrets).size !== secrets.length) {
    throw new Error(
      'LUNETTES_WEBHOOK_TOKEN, LUNETTES_API_TOKEN and LUNETTES_METRICS_TOKEN must all differ: ' +
        'one surface’s token must not open another',
    )
  }
  const mode = env.LUNETTES_API_AUTH ?? ''
  if (mode !== '' && mode !== 'kubernetes') {
    throw new Error(`LUNETTES_API_AUTH=${mode}: expected kubernetes (or unset: read tokens only)`)
  }
  const ttlText = env.LUNETTES_API_AUTH_TTL || '30s'
  let ttlMs: number
  try {
    ttlMs = parseGoDuration(ttlText)
  } catch (err: unknown) {
    throw new Error(`LUNETTES_API_AUTH_TTL=${ttlText}: ${err instanceof Error ? err.message : err}`)
  }
  if (!(ttlMs > 0)) throw new Error(`LUNETTES_API_AUTH_TTL=${ttlText}: must be positive`)
  const webhook: WebhookAuthOptions = {
    requireClientCert: mtls,
    ...(webhookToken === undefined ? {} : { token: webhookToken }),
    ...(mtls ? { clientNames } : {}),
  }
  const api: ApiAuthOptions | undefined =
    apiTokens.length > 0 || mode === 'kubernetes'
      ? {
          ...(apiTokens.length > 0 ? { tokens: apiTokens } : {}),
          ...(mode === 'kubernetes' ? { kubernetes: io.kubernetes(env, ttlMs) } : {}),
        }
      : undefined
  const exposure = decideExposure({
    listener: 'the gateway',
    addrVariable: 'LUNETTES_HTTP_ADDR',
    addr: env.LUNETTES_HTTP_ADDR,
    defaultPort: DEFAULT_HTTP_PORT,
    surfaces: gatewaySurfaces({ webhook, api, metricsToken }),
    insecure,
  })
  if (!exposure.ok) throw new Error(exposure.message)
  return { addr: exposure.addr, webhook, api, metricsToken, insecure, warnings: exposure.warnings }
}
