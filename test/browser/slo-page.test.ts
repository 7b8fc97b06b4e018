import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Browser } from 'playwright-core'
import type { DebugSloReply, SloPod } from '../../protocol/queries.ts'
import { realdata } from '../support/realdata.ts'
import { launchChromium, type PageWatch, watchedPage } from './browser.ts'
import { startUiServer, type UiServer } from './ui-server.ts'

const BASE = 'events/openshift-ci-metal-2021-09-14'
const VIOLATING = new Set(['violated', 'late', 'failed', 'killed', 'timeout'])

describe('SLO dashboard in chromium (metal real data)', () => {
  let server: UiServer
  let browser: Browser
  before(async () => {
    server = await startUiServer([realdata(`${BASE}.events.jsonl`), realdata(`${BASE}.pods.jsonl`)])
    browser = await launchChromium()
  })
  after(async () => {
    await browser?.close()
    await server?.close()
  })

  const window = () => `from=${server.loaded.from}&to=${server.loaded.to}`

  async function bars(w: PageWatch, kind: string): Promise<Record<string, number>> {
    const rows = await w.page.$$eval(`.dist-${kind} .dbar`, (gs) =>
      gs.map((g) => [g.getAttribute('data-key') ?? '', Number(g.getAttribute('data-count'))]),
    )
    return Object.fromEntries(rows)
  }

  it('renders the result and code distributions with the API counts, the percentile chart and the violating pods', async () => {
    const reply = (await (
      await fetch(`${server.url}/api/v1/debugslo?${window()}&limit=5000`)
    ).json()) as DebugSloReply
    assert.ok(reply.counts.total > 200, 'the metal data has finished pods')
    const w = await watchedPage(browser, server.url)
    await w.page.goto(`${server.url}/slo?${window()}`)
    await w.page.waitForSelector('.uplot canvas')
    await w.page.waitForSelector('.alerts-panel p:not(:empty)')
    await w.screenshot('slo-dashboard')
    assert.deepEqual(await bars(w, 'result'), reply.counts.byResult)
    assert.deepEqual(await bars(w, 'code'), reply.counts.byCode)
    assert.match((await w.page.textContent('.total')) ?? '', new RegExp(`^${reply.counts.total} `))
    // Text labels beside the colours: each bar says its name and count.
    const labels = await w.page.$$eval('.dist-result .dcount', (ts) => ts.map((t) => t.textContent))
    assert.ok(labels.some((l) => l?.startsWith(`${reply.counts.byResult.success} (`)))
    const violating = reply.pods.filter((p) => VIOLATING.has(p.result)).length
    assert.match(
      (await w.page.textContent('#pods-title')) ?? '',
      new RegExp(`Violating pods \\(${violating} of ${reply.pods.length} listed\\)`),
    )
    const first = await w.page.getAttribute('.vlist .vrow a', 'href')
    assert.match(first ?? '', /^\/pods\/[^/]+\/[^/?]+\?uid=/)
    // The alert stream exists now: the panel connects (no 404 allowed any more).
    await w.page.waitForSelector('.alerts-panel >> text=connected: new alerts appear here')
    assert.deepEqual(w.errors, [], 'no console error')
    assert.deepEqual(w.foreign, [], 'no request leaves localhost')
    assert.deepEqual(w.failed, [], 'no failed request for own assets')
  })

  it('the search page lists the pods whose name starts with the query, from /api/v1/pods', async () => {
    const reply = (await (
      await fetch(`${server.url}/api/v1/debugslo?${window()}&limit=5000`)
    ).json()) as DebugSloReply
    const prefix = reply.pods[0]?.name.slice(0, 5) ?? ''
    const expected = reply.pods.filter((p) => p.name.startsWith(prefix)).length
    const w = await watchedPage(browser, server.url)
    await w.page.goto(`${server.url}/search?q=${prefix}`)
    await w.page.waitForSelector('h1 >> text=Pods matching')
    await w.page.waitForFunction(() => !document.querySelector('h1')?.textContent?.endsWith('”'))
    assert.match((await w.page.textContent('h1')) ?? '', new RegExp(`\\(${expected}\\)$`))
    assert.deepEqual(w.errors, [], 'no console error')
    assert.deepEqual(w.failed, [], 'no failed request')
  })

  it('keeps 10,000 listed pods virtualised and keyboard navigable (API answer faked by the test)', async () => {
    const pods: SloPod[] = Array.from({ length: 10_000 }, (_, i) => ({
      uid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      namespace: 'load',
      name: `pod-${i}`,
      result: i % 10 === 0 ? 'late' : 'success',
      code: i % 10 === 0 ? 'SlowPhase' : null,
      deliveryMs: 10_000 + i,
      deleteMs: null,
      finished: new Date(Date.parse('2024-05-14T09:00:00Z') + i * 1000).toISOString(),
    }))
    const fake: DebugSloReply = {
      type: 'create',
      from: '2024-05-14T09:00:00Z',
      to: '2024-05-14T12:00:00Z',
      pods,
      truncated: false,
      counts: {
        total: 10_000,
        byResult: { success: 9000, late: 1000 },
        byCode: { SlowPhase: 1000 },
      },
      latencyMs: { p50: 15_000, p90: 19_000, p99: 20_000 },
      phasesMs: null,
      next: null,
      percentiles: { method: 'exact', errorBoundMs: 0, samples: 10_000 },
      byNamespace: {},
    }
    const w = await watchedPage(browser, server.url)
    await w.page.route('**/api/v1/debugslo?*', (route) =>
      route.fulfill({ contentType: 'application/json', body: JSON.stringify(fake) }),
    )
    await w.page.goto(`${server.url}/slo?from=${fake.from}&to=${fake.to}`)
    await w.page.waitForSelector('.vlist .vrow')
    await w.page.check('#show-all')
    await w.page.waitForSelector('.vlist[aria-label="Listed pods (10000)"]')
    const inDom = await w.page.$$eval('.vlist .vrow', (rs) => rs.length)
    assert.ok(inDom > 5 && inDom < 100, `${inDom} rows in the DOM for 10,000 pods`)
    await w.page.focus('.vlist')
    await w.page.keyboard.press('End')
    await w.page.waitForFunction(() => document.activeElement?.textContent?.startsWith('load/pod-'))
    const focused = await w.page.evaluate(() => document.activeElement?.textContent)
    // Worst first: the slowest pod is the last created one, so End focuses the fastest.
    assert.equal(focused, 'load/pod-0')
    await w.page.keyboard.press('Home')
    await w.page.waitForFunction(() => document.activeElement?.textContent === 'load/pod-9999')
    await w.screenshot('slo-10000-pods')
    assert.deepEqual(w.errors, [])
    assert.deepEqual(w.foreign, [])
  })
})
