import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createApp } from '../../gateway/app.ts'
import { FakeBus, memoryLog } from './fake-bus.ts'

const NOW = Date.parse('2024-05-15T12:00:00Z')

function fakeApp() {
  const bus = new FakeBus()
  bus.onRequest = async () => ({ pods: [], next: null })
  const app = createApp({
    bus,
    partitions: 2,
    ignoredNamespaces: new Set(),
    webhook: {},
    now: () => NOW,
    limits: { queryRate: 0 },
    log: memoryLog(),
  })
  return { bus, app }
}

async function error(res: Response) {
  return ((await res.json()) as { error: { code: string; message: string } }).error
}

describe('query parameters (fake bus)', () => {
  it('pods passes q, result, namespace, limit and cursor to the query service', async () => {
    const { app, bus } = fakeApp()
    const res = await app.request(
      '/api/v1/pods?q=web-&result=late&namespace=shop&limit=7&cursor=abc_-1',
    )
    assert.equal(res.status, 200)
    assert.deepEqual(bus.requests[0]?.body, {
      q: 'web-',
      result: 'late',
      namespace: 'shop',
      limit: 7,
      cursor: 'abc_-1',
    })
  })

  it('debugslo with only a cursor sends no window (the cursor keeps its own); owner passes', async () => {
    const { app, bus } = fakeApp()
    await app.request('/api/v1/debugslo?cursor=abc&owner=platform')
    assert.deepEqual(bus.requests[0]?.body, {
      type: 'create',
      limit: 500,
      cursor: 'abc',
      owner: 'platform',
    })
  })

  for (const [path, parameter] of [
    ["/api/v1/pods?q=' OR '1'='1", 'q'],
    ['/api/v1/pods?q=web*', 'q'],
    ['/api/v1/pods?q=$where', 'q'],
    ['/api/v1/pods?q=', 'q'],
    ['/api/v1/pods?limit=1001', 'limit'],
    ['/api/v1/pods?limit=-1', 'limit'],
    ['/api/v1/pods?cursor=a%20b', 'cursor'],
    ['/api/v1/pods?namesapce=shop', 'namesapce'],
    ['/api/v1/debugslo?limit=99999999', 'limit'],
    ['/api/v1/debugslo?result=ok', 'result'],
    ['/api/v1/debugslo?code=NoSuchCode', 'code'],
    ['/api/v1/debugslo?owner=root', 'owner'],
    ['/api/v1/debugpod?uid=..%2F..%2Fetc', 'uid'],
    ['/api/v1/debugpod?namespace=UPPER&name=x', 'namespace'],
  ] as const) {
    it(`400 naming ${parameter} for ${path}, without asking the query service`, async () => {
      const { app, bus } = fakeApp()
      const res = await app.request(path)
      assert.equal(res.status, 400)
      const e = await error(res)
      assert.equal(e.code, 'BadRequest')
      assert.ok(e.message.startsWith(`${parameter}:`), e.message)
      assert.equal(bus.requests.length, 0)
    })
  }
})
