import { accessSync, constants, readFileSync } from 'node:fs'
import {
  type Authenticator,
  credsAuthenticator,
  nkeyAuthenticator,
  type TlsOptions,
} from '@nats-io/transport-node'

/** The environment, as `process.env`. */
type Env = Readonly<Record<string, string | undefined>>

/** How a NATS client authenticates and encrypts: what `NatsBus.connect` passes to nats.js. */
export interface NatsAuth {
  readonly user?: string
  readonly pass?: string
  readonly token?: string
  readonly authenticator?: Authenticator
  readonly tls?: TlsOptions
}

/** The servers to dial (userinfo removed) and the credentials, from the nats CLI's variables. */
export interface NatsSettings {
  readonly servers: string[]
  readonly auth: NatsAuth
  /** For the start log: which method, never the secret. */
  readonly method: 'none' | 'user' | 'token' | 'nkey' | 'creds'
}

/** A setting that cannot work: names the variable, never its secret value. */
export class NatsConfigError extends Error {
  override readonly name = 'NatsConfigError'
}

const set = (v: string | undefined): v is string => v !== undefined && v !== ''

/** One `NATS_URL` entry split into the URL without userinfo and the userinfo, if any. */
function splitUserinfo(entry: string): { server: string; user?: string; pass?: string } {
  const at = entry.lastIndexOf('@')
  if (at < 0) return { server: entry }
  const scheme = entry.indexOf('://')
  const start = scheme < 0 ? 0 : scheme + 3
  if (at < start) return { server: entry }
  const info = entry.slice(start, at)
  const colon = info.indexOf(':')
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s)
    } catch {
      throw new NatsConfigError('NATS_URL: the userinfo is not valid percent-encoding')
    }
  }
  const server = entry.slice(0, start) + entry.slice(at + 1)
  return colon < 0
    ? { server, user: decode(info) }
    : { server, user: decode(info.slice(0, colon)), pass: decode(info.slice(colon + 1)) }
}

function readable(name: string, path: string): string {
  try {
    accessSync(path, constants.R_OK)
  } catch {
    throw new NatsConfigError(`${name}=${path}: file not found or not readable`)
  }
  return path
}

function fileBytes(name: string, path: string): Uint8Array {
  return new Uint8Array(readFileSync(readable(name, path)))
}

/**
 * Reads `NATS_URL` (comma-separated; `nats://user:pass@host` or `nats://token@host` is honoured:
 * moved into the credentials and stripped from the server list), `NATS_USER`/`NATS_PASSWORD`,
 * `NATS_TOKEN`, `NATS_NKEY` (seed file), `NATS_CREDS` (creds file), `NATS_CA`, `NATS_CERT`/
 * `NATS_KEY`. Throws NatsConfigError, before anything connects, on an ambiguous or incomplete
 * setting (two methods at once, a password without a user, a certificate without its key, a file
 * that cannot be read).
 */
export function natsSettings(env: Env): NatsSettings {
  const entries = (env.NATS_URL ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
  const parts = entries.map(splitUserinfo)
  const infos = new Set(
    parts.filter((p) => p.user !== undefined).map((p) => `${p.user}\u0000${p.pass ?? ''}`),
  )
  if (infos.size > 1) {
    throw new NatsConfigError('NATS_URL: the servers carry different credentials; use one set')
  }
  const withInfo = parts.find((p) => p.user !== undefined)
  const fromUrl = withInfo ? { user: withInfo.user ?? '', pass: withInfo.pass } : undefined
  const methods: NatsSettings['method'][] = []
  const auth: { -readonly [K in keyof NatsAuth]: NatsAuth[K] } = {}
  if (fromUrl) {
    const named = ['NATS_USER', 'NATS_PASSWORD', 'NATS_TOKEN'].filter((n) => set(env[n]))
    if (named.length > 0) {
      throw new NatsConfigError(
        `NATS_URL carries credentials and ${named.join(', ')} is set too: use one of them`,
      )
    }
    if (fromUrl.pass === undefined) {
      auth.token = fromUrl.user
      methods.push('token')
    } else {
      auth.user = fromUrl.user
      auth.pass = fromUrl.pass
      methods.push('user')
    }
  }
  if (set(env.NATS_USER) || set(env.NATS_PASSWORD)) {
    if (!set(env.NATS_USER)) throw new NatsConfigError('NATS_PASSWORD is set without NATS_USER')
    if (!set(env.NATS_PASSWORD)) throw new NatsConfigError('NATS_USER is set without NATS_PASSWORD')
    auth.user = env.NATS_USER
    auth.pass = env.NATS_PASSWORD
    methods.push('user')
  }
  if (set(env.NATS_TOKEN)) {
    auth.token = env.NATS_TOKEN
    methods.push('token')
  }
  if (set(env.NATS_NKEY)) {
    const seed = new TextDecoder().decode(fileBytes('NATS_NKEY', env.NATS_NKEY)).trim()
    auth.authenticator = nkeyAuthenticator(new TextEncoder().encode(seed))
    methods.push('nkey')
  }
  if (set(env.NATS_CREDS)) {
    auth.authenticator = credsAuthenticator(fileBytes('NATS_CREDS', env.NATS_CREDS))
    methods.push('creds')
  }
  if (methods.length > 1) {
    throw new NatsConfigError(
      `NATS credentials: use one of NATS_USER/NATS_PASSWORD, NATS_TOKEN, NATS_NKEY, NATS_CREDS ` +
        `(or credentials in NATS_URL); got ${methods.join(' and ')}`,
    )
  }
  const tls = tlsOptions(
    env,
    parts.some((p) => /^tls:\/\//i.test(p.server)),
  )
  if (tls) auth.tls = tls
  return { servers: parts.map((p) => p.server), auth, method: methods[0] ?? 'none' }
}

/** TLS from `NATS_CA`, `NATS_CERT`/`NATS_KEY`; a `tls://` server asks for TLS with the system CAs. */
function tlsOptions(env: Env, required: boolean): TlsOptions | undefined {
  if (set(env.NATS_CERT) !== set(env.NATS_KEY)) {
    throw new NatsConfigError('NATS_CERT and NATS_KEY go together (client certificate and its key)')
  }
  const tls: { -readonly [K in keyof TlsOptions]: TlsOptions[K] } = {}
  if (set(env.NATS_CA)) tls.caFile = readable('NATS_CA', env.NATS_CA)
  if (set(env.NATS_CERT) && set(env.NATS_KEY)) {
    tls.certFile = readable('NATS_CERT', env.NATS_CERT)
    tls.keyFile = readable('NATS_KEY', env.NATS_KEY)
  }
  return Object.keys(tls).length > 0 || required ? tls : undefined
}
