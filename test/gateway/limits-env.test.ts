import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { gatewayConfigFromEnv } from '../../gateway/main.ts'

describe('gateway load limits from the environment', () => {
  it('unset: empty (the defaults of limits.ts and server-timeouts.ts apply)', () => {
    const s = gatewayConfigFromEnv({})
    assert.deepEqual(s.http, {})
    assert.deepEqual(s.limits, {})
  })

  it('every variable is read', () => {
    const s = gatewayConfigFromEnv({
      LUNETTES_HTTP_HEADERS_TIMEOUT: '5000',
      LUNETTES_HTTP_REQUEST_TIMEOUT: '30000',
      LUNETTES_HTTP_MAX_CONNECTIONS: '256',
      LUNETTES_WEBHOOK_MAX_INFLIGHT: '16',
      LUNETTES_QUERY_MAX_INFLIGHT: '8',
      LUNETTES_QUERY_RATE: '2.5',
    })
    assert.deepEqual(s.http, {
      headersTimeoutMs: 5000,
      requestTimeoutMs: 30000,
      maxConnections: 256,
    })
    assert.deepEqual(s.limits, { webhookMaxInflight: 16, queryMaxInflight: 8, queryRate: 2.5 })
    assert.deepEqual(gatewayConfigFromEnv({ LUNETTES_QUERY_RATE: '0' }).limits, { queryRate: 0 })
  })

  for (const [name, value] of [
    ['LUNETTES_HTTP_HEADERS_TIMEOUT', '20000'],
    ['LUNETTES_HTTP_HEADERS_TIMEOUT', '0'],
    ['LUNETTES_HTTP_REQUEST_TIMEOUT', '120000'],
    ['LUNETTES_HTTP_REQUEST_TIMEOUT', '5s'],
    ['LUNETTES_HTTP_MAX_CONNECTIONS', '-3'],
    ['LUNETTES_WEBHOOK_MAX_INFLIGHT', '4'],
    ['LUNETTES_QUERY_MAX_INFLIGHT', 'many'],
    ['LUNETTES_QUERY_RATE', '-1'],
    ['LUNETTES_QUERY_RATE', 'Infinity'],
  ] as const) {
    it(`${name}=${value} is refused, naming the variable`, () => {
      assert.throws(
        () => gatewayConfigFromEnv({ [name]: value }),
        new RegExp(`^RangeError: ${name}`),
      )
    })
  }

  it('a request timeout below the header timeout is refused', () => {
    assert.throws(
      () =>
        gatewayConfigFromEnv({
          LUNETTES_HTTP_HEADERS_TIMEOUT: '8000',
          LUNETTES_HTTP_REQUEST_TIMEOUT: '4000',
        }),
      /LUNETTES_HTTP_REQUEST_TIMEOUT/,
    )
  })
})
