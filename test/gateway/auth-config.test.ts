import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { gatewaySecurityFromEnv, type SecurityIo } from '../../gateway/auth-config.ts'
import { KubeAuthorizer } from '../../gateway/kube-auth.ts'

const files: Record<string, string> = {
  '/run/webhook': 'file-webhook-token\n',
  '/run/api': 'file-api-1\nfile-api-2\n',
  '/run/empty': ' \n',
}
const io: SecurityIo = {
  readText(path) {
    const text = files[path]
    if (text === undefined) throw Object.assign(new Error(`ENOENT ${path}`), { code: 'ENOENT' })
    return text
  },
  kubernetes: (_env, ttlMs) =>
    new KubeAuthorizer({ ttlMs, transport: { post: async () => ({}), get: async () => ({}) } }),
}
const all = {
  LUNETTES_WEBHOOK_TOKEN: 'w-token',
  LUNETTES_API_TOKEN: 'a-1, a-2',
  LUNETTES_METRICS_TOKEN: 'm-token',
}

describe('gateway security settings from the environment', () => {
  it('no authentication: loopback by default, refused on 0.0.0.0 naming the variables', () => {
    const s = gatewaySecurityFromEnv({}, io)
    assert.equal(s.addr, '127.0.0.1:8080')
    assert.equal(s.api, undefined)
    assert.match(s.warnings[0] ?? '', /without authentication \(loopback only\)/)
    assert.throws(
      () => gatewaySecurityFromEnv({ LUNETTES_HTTP_ADDR: '0.0.0.0:8080' }, io),
      (err: Error) =>
        [
          'LUNETTES_WEBHOOK_TOKEN',
          'LUNETTES_API_TOKEN',
          'LUNETTES_METRICS_TOKEN',
          'LUNETTES_INSECURE',
        ].every((v) => err.message.includes(v)),
    )
    const opted = gatewaySecurityFromEnv(
      { LUNETTES_HTTP_ADDR: '0.0.0.0:8080', LUNETTES_INSECURE: 'true' },
      io,
    )
    assert.equal(opted.insecure, true)
    assert.match(opted.warnings[0] ?? '', /LUNETTES_INSECURE=true/)
  })

  it('one open surface is enough to refuse', () => {
    const { LUNETTES_METRICS_TOKEN: _, ...noMetrics } = all
    assert.throws(
      () => gatewaySecurityFromEnv({ ...noMetrics, LUNETTES_HTTP_ADDR: ':8080' }, io),
      /\/metrics: LUNETTES_METRICS_TOKEN/,
    )
  })

  it('everything authenticated: all interfaces by default; tokens from variables and files', () => {
    const s = gatewaySecurityFromEnv(all, io)
    assert.equal(s.addr, '0.0.0.0:8080')
    assert.deepEqual(s.webhook, { requireClientCert: false, token: 'w-token' })
    assert.deepEqual(s.api?.tokens, ['a-1', 'a-2'])
    assert.equal(s.metricsToken, 'm-token')
    assert.deepEqual(s.warnings, [])
    const f = gatewaySecurityFromEnv(
      { LUNETTES_WEBHOOK_TOKEN_FILE: '/run/webhook', LUNETTES_API_TOKEN_FILE: '/run/api' },
      io,
    )
    assert.equal(f.webhook.token, 'file-webhook-token')
    assert.deepEqual(f.api?.tokens, ['file-api-1', 'file-api-2'])
  })

  it('mTLS needs an allow-list; kubernetes mode builds an authorizer', () => {
    assert.throws(
      () => gatewaySecurityFromEnv({ LUNETTES_CLIENT_CA: '/ca.pem' }, io),
      /LUNETTES_CLIENT_NAMES/,
    )
    assert.throws(
      () => gatewaySecurityFromEnv({ LUNETTES_CLIENT_NAMES: 'x' }, io),
      /LUNETTES_CLIENT_CA/,
    )
    const m = gatewaySecurityFromEnv(
      { LUNETTES_CLIENT_CA: '/ca.pem', LUNETTES_CLIENT_NAMES: 'kube-apiserver, apiserver.local' },
      io,
    )
    assert.deepEqual(m.webhook, {
      requireClientCert: true,
      clientNames: ['kube-apiserver', 'apiserver.local'],
    })
    const k = gatewaySecurityFromEnv({ LUNETTES_API_AUTH: 'kubernetes' }, io)
    assert.ok(k.api?.kubernetes instanceof KubeAuthorizer)
  })

  it('bad settings name the variable and never print a secret', () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ LUNETTES_WEBHOOK_TOKEN: 'x', LUNETTES_WEBHOOK_TOKEN_FILE: '/run/webhook' }, /both set/],
      [
        { LUNETTES_API_TOKEN_FILE: '/run/missing' },
        /LUNETTES_API_TOKEN_FILE=\/run\/missing: cannot read \(ENOENT\)/,
      ],
      [
        { LUNETTES_METRICS_TOKEN_FILE: '/run/empty' },
        /LUNETTES_METRICS_TOKEN_FILE=\/run\/empty: the file is empty/,
      ],
      [
        { LUNETTES_WEBHOOK_TOKEN: 'same-secret', LUNETTES_API_TOKEN: 'same-secret' },
        /must all differ/,
      ],
      [{ LUNETTES_API_AUTH: 'ldap' }, /LUNETTES_API_AUTH=ldap/],
      [{ LUNETTES_API_AUTH_TTL: 'soon' }, /LUNETTES_API_AUTH_TTL=soon/],
      [{ LUNETTES_INSECURE: 'maybe' }, /LUNETTES_INSECURE/],
    ]
    for (const [env, message] of cases) {
      assert.throws(
        () => gatewaySecurityFromEnv(env, io),
        (err: Error) => message.test(err.message) && !err.message.includes('same-secret'),
      )
    }
  })
})
