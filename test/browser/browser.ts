import { mkdirSync } from 'node:fs'
import { type Browser, chromium, type Page } from 'playwright-core'

/** Debian's chromium, headless, with the flags the CI machine needs. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.LUNETTES_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  })
}

/** What a page did that a test should fail on. */
export interface PageWatch {
  page: Page
  /** Console errors and uncaught exceptions. */
  errors: string[]
  /** Requests to anything but the gateway under test. */
  foreign: string[]
  /** Own URLs answered 4xx/5xx (except the `allowMissing` API routes). */
  failed: string[]
  screenshot(name: string): Promise<string>
}

/**
 * A fresh page that records console errors, page errors, every request that leaves `base`
 * (aborted, so nothing reaches the network) and every failed own request. `allowMissing` lists
 * API paths this gateway does not serve yet: their 404 (and the console line Chrome prints for
 * it) is expected and the UI shows a note instead.
 */
export async function watchedPage(
  browser: Browser,
  base: string,
  allowMissing: readonly string[] = [],
): Promise<PageWatch> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  const page = await context.newPage()
  const errors: string[] = []
  const foreign: string[] = []
  const failed: string[] = []
  const allowed = (url: string) => allowMissing.some((p) => new URL(url).pathname === p)
  await context.route('**/*', (route) => {
    const url = route.request().url()
    if (url.startsWith(`${base}/`) || url.startsWith('data:')) return route.continue()
    foreign.push(url)
    return route.abort()
  })
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return
    const at = msg.location().url
    if (at && allowed(at) && /status of 404/.test(msg.text())) return
    errors.push(`${msg.text()} @ ${at}`)
  })
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`))
  page.on('response', (res) => {
    if (res.status() >= 400 && !(res.status() === 404 && allowed(res.url()))) {
      failed.push(`${res.status()} ${res.url()}`)
    }
  })
  return {
    page,
    errors,
    foreign,
    failed,
    async screenshot(name) {
      mkdirSync('test-artifacts', { recursive: true })
      const path = `test-artifacts/${name}.png`
      await page.screenshot({ path, fullPage: true })
      return path
    },
  }
}
