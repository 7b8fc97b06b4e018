import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  decideExposure,
  type ExposedSurface,
  hostOf,
  isLoopbackHost,
  parseInsecure,
} from '../../config/exposure.ts'

const open: ExposedSurface = {
  name: 'the query API',
  authenticated: false,
  settings: ['LUNETTES_API_TOKEN'],
}
const shut: ExposedSurface = { ...open, authenticated: true }
const base = {
  listener: 'the gateway',
  addrVariable: 'LUNETTES_HTTP_ADDR',
  defaultPort: 8080,
  insecure: false,
}

describe('exposure rule', () => {
  it('defaults to loopback while anything is open, to all interfaces once everything is shut', () => {
    assert.deepEqual(decideExposure({ ...base, addr: undefined, surfaces: [open, shut] }), {
      ok: true,
      addr: '127.0.0.1:8080',
      warnings: ['the gateway serves the query API without authentication (loopback only)'],
    })
    assert.deepEqual(decideExposure({ ...base, addr: '', surfaces: [shut] }), {
      ok: true,
      addr: '0.0.0.0:8080',
      warnings: [],
    })
  })

  it('refuses an open surface on any non-loopback address, naming the fixes', () => {
    for (const addr of [
      '0.0.0.0:8080',
      ':8080',
      '8080',
      '10.1.2.3:80',
      '[::]:80',
      'gw.example:80',
    ]) {
      const v = decideExposure({ ...base, addr, surfaces: [shut, open] })
      assert.equal(v.ok, false, addr)
      if (v.ok) continue
      assert.match(v.message, /LUNETTES_HTTP_ADDR/)
      assert.match(v.message, /LUNETTES_API_TOKEN/)
      assert.match(v.message, /LUNETTES_INSECURE=true/)
    }
  })

  it('LUNETTES_INSECURE=true lets it through with a warning', () => {
    const v = decideExposure({ ...base, addr: '0.0.0.0:1', surfaces: [open], insecure: true })
    assert.equal(v.ok, true)
    assert.match(
      v.ok ? (v.warnings[0] ?? '') : '',
      /LUNETTES_INSECURE=true.*without authentication/,
    )
  })

  it('loopback hosts and address parsing', () => {
    for (const h of [
      '127.0.0.1',
      '127.3.2.1',
      'localhost',
      'LOCALHOST',
      '::1',
      '::ffff:127.0.0.1',
    ]) {
      assert.ok(isLoopbackHost(h), h)
    }
    for (const h of [
      '',
      '0.0.0.0',
      '::',
      '10.0.0.1',
      '128.0.0.1',
      'localhost.evil.com',
      '127.0.0.1.nip.io',
    ]) {
      assert.ok(!isLoopbackHost(h), h)
    }
    assert.equal(hostOf('[::1]:80'), '::1')
    assert.equal(hostOf('127.0.0.1:0'), '127.0.0.1')
    assert.equal(hostOf(':80'), '')
    assert.equal(hostOf('80'), '')
  })

  it('LUNETTES_INSECURE must be a boolean', () => {
    assert.equal(parseInsecure(undefined), false)
    assert.equal(parseInsecure('false'), false)
    assert.equal(parseInsecure('TRUE'), true)
    assert.equal(parseInsecure('1'), true)
    assert.throws(() => parseInsecure('yes please'), /LUNETTES_INSECURE/)
  })
})
