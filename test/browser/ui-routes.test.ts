import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { uiRoutes } from '../../gateway/routes/ui.ts'
import { sseParser } from '../../gateway/ui/assets/sse.ts'

// Runs from dist/ (npm test): the built UI is in dist/gateway/ui next to the compiled route.
describe('UI routes (app.request, built assets)', () => {
  const app = uiRoutes()

  it('serves the page shell for every page with a strict CSP and no data in it', async () => {
    const shells = new Set<string>()
    for (const path of ['/', '/slo?namespace=x', '/search?q=a', '/pods?uid=1', '/pods/ns/name']) {
      const res = await app.request(path)
      assert.equal(res.status, 200, path)
      const csp = res.headers.get('content-security-policy') ?? ''
      assert.match(csp, /script-src 'self'(;|$)/)
      assert.match(csp, /style-src 'self'(;|$)/)
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/)
      const html = await res.text()
      assert.doesNotMatch(html, /<script>|<style|style=/, 'no inline script or style')
      shells.add(html)
    }
    assert.equal(shells.size, 1, 'one static shell: nothing of the request ends up in the page')
  })

  it('serves scripts, styles, uPlot and the favicon with their types; unknown or traversing paths are 404', async () => {
    const types: [string, RegExp][] = [
      ['/assets/main.js', /^text\/javascript/],
      ['/assets/app.css', /^text\/css/],
      ['/assets/vendor/uplot.esm.js', /^text\/javascript/],
      ['/assets/vendor/uplot.min.css', /^text\/css/],
      ['/favicon.ico', /^image\/svg\+xml/],
    ]
    for (const [path, type] of types) {
      const res = await app.request(path)
      assert.equal(res.status, 200, path)
      assert.match(res.headers.get('content-type') ?? '', type, path)
    }
    for (const bad of [
      '/assets/nope.js',
      '/assets/../index.html',
      '/assets/%2e%2e/index.html',
      '/assets/main.ts',
      '/assets/vendor/../../index.html',
    ]) {
      assert.equal((await app.request(bad)).status, 404, bad)
    }
  })
})

describe('SSE parser of the alerts panel', () => {
  it('splits events across chunk boundaries, joins data lines, keeps the last id, skips comments', () => {
    const parse = sseParser()
    assert.deepEqual(parse(': heartbeat\n\nevent: alert\nid: a1\nda'), [])
    assert.deepEqual(parse('ta: {"x":1}\r\ndata: {"y":2}\n\n'), [
      { event: 'alert', id: 'a1', data: '{"x":1}\n{"y":2}' },
    ])
    assert.deepEqual(parse('data: plain\n\n'), [{ event: 'message', id: 'a1', data: 'plain' }])
  })
})
