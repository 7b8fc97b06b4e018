import type { Context } from 'hono'
import { sourceId } from '../protocol/watermark.ts'
import type { GatewayEnv } from './ports.ts'

/**
 * The source id of a webhook caller, for its watermark: the explicit `?source=<id>` of the
 * webhook URL (several API servers sharing a token name themselves so), else the name its client
 * certificate was allowed by (mTLS), else its remote address, else `apiserver`. Any text is made
 * a valid id (`sourceId`): a bad value is never a refusal.
 */
export function webhookSource(c: Context<GatewayEnv>): string {
  const explicit = c.req.query('source')
  if (explicit) return sourceId('apiserver:', explicit.slice(0, 200))
  const caller = c.get('caller')
  const cert = 'webhook:cert:'
  if (caller?.startsWith(cert)) return sourceId('apiserver:', caller.slice(cert.length))
  const address = c.env?.remoteAddress
  return address ? sourceId('apiserver@', address) : 'apiserver'
}
