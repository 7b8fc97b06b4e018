import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { Hono } from 'hono'
import { errorResponse } from '../errors.ts'
import type { GatewayEnv } from '../ports.ts'

/** Where the built UI lives and how long browsers may cache its assets. */
export interface UiOptions {
  /** Folder with `index.html` and `assets/` (default: `dist/gateway/ui`, next to this file). */
  readonly dir?: string | undefined
}

/**
 * A strict Content-Security-Policy: scripts, styles and fetches from this origin only, no inline
 * script or style attribute, no framing, no plugins.
 */
export const UI_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ')

const SECURITY_HEADERS = {
  'content-security-policy': UI_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
}

const TYPES: Record<string, string> = {
  js: 'text/javascript; charset=UTF-8',
  css: 'text/css; charset=UTF-8',
  svg: 'image/svg+xml',
  html: 'text/html; charset=UTF-8',
}

/** Asset names: one path segment (optionally under `vendor/`), no dots but the extension. */
const ASSET = /^(?:vendor\/)?[a-z0-9][a-z0-9-]*(?:\.min|\.esm)?\.(js|css|svg)$/

/**
 * The web UI: the page shell for `/`, `/slo`, `/search`, `/pods/<namespace>/<name>` and
 * `/pods?uid=`, its scripts and styles under `/assets/`, and the favicon. Nothing here needs auth
 * or holds data: the page asks the API (with the user's token) for everything it shows.
 */
export function uiRoutes({
  dir = fileURLToPath(new URL('../ui/', import.meta.url)),
}: UiOptions = {}): Hono<GatewayEnv> {
  const app = new Hono<GatewayEnv>()
  const cache = new Map<string, Promise<Uint8Array<ArrayBuffer> | null>>()
  const load = (rel: string) => {
    let hit = cache.get(rel)
    if (!hit) {
      hit = readFile(`${dir}/${rel}`).then(
        (b) => new Uint8Array(b),
        () => null,
      )
      cache.set(rel, hit)
    }
    return hit
  }
  const serveFile = async (rel: string, ext: string, cacheControl: string) => {
    const body = await load(rel)
    if (!body) return errorResponse(404, 'NotFound', `no UI asset ${rel}`)
    return new Response(body, {
      headers: {
        'content-type': TYPES[ext] ?? 'application/octet-stream',
        'cache-control': cacheControl,
        ...SECURITY_HEADERS,
      },
    })
  }
  const shell = () => serveFile('index.html', 'html', 'no-cache')
  for (const path of ['/', '/slo', '/search', '/pods', '/pods/:namespace/:name']) {
    app.get(path, shell)
  }
  app.get('/favicon.ico', () => serveFile('assets/favicon.svg', 'svg', 'max-age=86400'))
  app.get('/favicon.svg', () => serveFile('assets/favicon.svg', 'svg', 'max-age=86400'))
  app.get('/assets/*', (c) => {
    const name = c.req.path.slice('/assets/'.length)
    const m = ASSET.exec(name)
    if (!m?.[1]) return errorResponse(404, 'NotFound', `no UI asset ${name}`)
    return serveFile(`assets/${name}`, m[1], 'no-cache')
  })
  return app
}
