/**
 * Where an HTTP surface may listen, decided in one pure rule shared by the gateway and the actor
 * hosts' metrics port: nothing unauthenticated is reachable from the network unless the operator
 * says so explicitly with `LUNETTES_INSECURE=true`.
 */

/** One part of a listener (the webhook, the query API, /metrics) and how it is protected. */
export interface ExposedSurface {
  /** What it is, for messages: `audit webhook`, `query API`, `/metrics`. */
  readonly name: string
  /** Whether a credential is required to use it. */
  readonly authenticated: boolean
  /** The settings that would protect it, named in the refusal (`LUNETTES_WEBHOOK_TOKEN`). */
  readonly settings: readonly string[]
}

/** What `decideExposure` needs. */
export interface ExposureInput {
  /** The listener, for messages: `gateway`, `actor metrics`. */
  readonly listener: string
  /** The variable that sets its address (`LUNETTES_HTTP_ADDR`). */
  readonly addrVariable: string
  /** The address asked for; undefined or empty: the default. */
  readonly addr: string | undefined
  /** Port used when the address is the default. */
  readonly defaultPort: number
  /** Every surface served on this listener. */
  readonly surfaces: readonly ExposedSurface[]
  /** `LUNETTES_INSECURE=true`: serve unauthenticated surfaces on any address, with a warning. */
  readonly insecure: boolean
}

/** The verdict: the address to listen on plus warnings to log at start, or a refusal. */
export type Exposure =
  | { readonly ok: true; readonly addr: string; readonly warnings: readonly string[] }
  | { readonly ok: false; readonly message: string }

/** The opt-out variable. */
export const INSECURE_VARIABLE = 'LUNETTES_INSECURE'

/** The host part of `host:port`, `:port`, `port` or `[v6]:port` (`''` when absent). */
export function hostOf(addr: string): string {
  const v6 = /^\[([^\]]*)\]:\d*$/.exec(addr)
  if (v6) return v6[1] ?? ''
  const i = addr.lastIndexOf(':')
  return i === -1 ? '' : addr.slice(0, i)
}

/**
 * Whether `host` only accepts connections from this machine: `localhost`, `127.0.0.0/8`, `::1`.
 * An empty host, `0.0.0.0`, `::` and any other name count as reachable from the network.
 */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase()
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true
  return (
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || /^::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h)
  )
}

/**
 * Reads `LUNETTES_INSECURE`: `true`/`1` opt out, unset/empty/`false`/`0` do not; anything else
 * throws naming the variable (a typo must not silently keep or drop the protection).
 */
export function parseInsecure(value: string | undefined): boolean {
  const v = (value ?? '').trim().toLowerCase()
  if (v === 'true' || v === '1') return true
  if (v === '' || v === 'false' || v === '0') return false
  throw new RangeError(`${INSECURE_VARIABLE}=${value}: expected true or false`)
}

/**
 * The rule. With every surface authenticated, the default address is `0.0.0.0:<port>` and any
 * address is allowed. Otherwise the default is `127.0.0.1:<port>`; a non-loopback address is
 * refused (naming the settings that would protect each open surface and `LUNETTES_INSECURE`)
 * unless `insecure`, which is then reported as a warning; on loopback the open surfaces are
 * reported as a warning too.
 */
export function decideExposure(input: ExposureInput): Exposure {
  const open = input.surfaces.filter((s) => !s.authenticated)
  const fallback = `${open.length === 0 ? '0.0.0.0' : '127.0.0.1'}:${input.defaultPort}`
  const addr = input.addr ? input.addr : fallback
  if (open.length === 0) return { ok: true, addr, warnings: [] }
  const names = open.map((s) => s.name).join(', ')
  const host = hostOf(addr)
  if (isLoopbackHost(host)) {
    return {
      ok: true,
      addr,
      warnings: [`${input.listener} serves ${names} without authentication (loopback only)`],
    }
  }
  if (input.insecure) {
    return {
      ok: true,
      addr,
      warnings: [
        `${INSECURE_VARIABLE}=true: ${input.listener} serves ${names} without authentication on ${addr}`,
      ],
    }
  }
  const fixes = open.map((s) => `${s.name}: ${s.settings.join(' or ')}`).join('; ')
  return {
    ok: false,
    message:
      `${input.addrVariable}=${addr}: refusing to serve ${names} without authentication on a ` +
      `non-loopback address. Set ${fixes}; or bind 127.0.0.1; or set ${INSECURE_VARIABLE}=true ` +
      'to accept the risk.',
  }
}
