import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Registry } from 'prom-client'
import { createApp } from '../../gateway/app.ts'
import { openApiPath } from '../../gateway/routes/openapi.ts'
import { FakeBus, memoryLog } from './fake-bus.ts'

function app() {
  return createApp({
    bus: new FakeBus(),
    partitions: 2,
    ignoredNamespaces: new Set(),
    webhook: {},
    registry: new Registry(),
    log: memoryLog(),
  })
}

type Doc = {
  openapi: string
  paths: Record<
    string,
    Record<
      string,
      { parameters?: { name: string; in: string }[]; responses: Record<string, unknown> }
    >
  >
  components: { schemas: { Error: { properties: { error: unknown } } } }
}

describe('GET /openapi.json', () => {
  it('is OpenAPI 3.1 and documents every route the app serves, with its method', async () => {
    const a = app()
    const res = await a.request('/openapi.json')
    assert.equal(res.status, 200)
    const doc = (await res.json()) as Doc
    assert.equal(doc.openapi, '3.1.0')
    const served = a.routes.filter((r) => r.method !== 'ALL')
    assert.ok(served.length >= 15, `${served.length} routes`)
    for (const r of served) {
      const op = doc.paths[openApiPath(r.path)]?.[r.method.toLowerCase()]
      assert.ok(op, `${r.method} ${r.path} is in the document`)
    }
    const documented = Object.entries(doc.paths).flatMap(([p, ops]) =>
      Object.keys(ops).map((m) => `${m} ${p}`),
    )
    const servedKeys = new Set(
      served.map((r) => `${r.method.toLowerCase()} ${openApiPath(r.path)}`),
    )
    for (const d of documented) assert.ok(servedKeys.has(d), `${d} documented but not served`)
  })

  it('names every query parameter of the API routes and the error shape', async () => {
    const doc = (await (await app().request('/openapi.json')).json()) as Doc
    const params = (p: string) =>
      (doc.paths[p]?.get?.parameters ?? [])
        .filter((x) => x.in === 'query')
        .map((x) => x.name)
        .sort()
    assert.deepEqual(params('/api/v1/debugpod'), ['name', 'namespace', 'uid'])
    assert.deepEqual(params('/api/v1/debugslo'), [
      'code',
      'cursor',
      'from',
      'limit',
      'namespace',
      'owner',
      'result',
      'to',
      'type',
    ])
    assert.deepEqual(params('/api/v1/pods'), ['cursor', 'limit', 'namespace', 'q', 'result'])
    assert.deepEqual(params('/api/v1/alerts/stream'), ['namespace'])
    assert.ok(doc.components.schemas.Error.properties.error)
    for (const status of ['400', '404', '503']) {
      assert.ok(
        doc.paths['/api/v1/debugpod']?.get?.responses[status],
        `debugpod documents ${status}`,
      )
    }
  })
})
