import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { NatsConfigError, natsSettings } from '../../../../actors/runtime/bus/nats-auth.ts'
import { redactError, redactUrl } from '../../../../actors/runtime/redact-url.ts'

describe('redactUrl', () => {
  it('replaces the userinfo of every URL in a text, and nothing else', () => {
    assert.equal(redactUrl('redis://u:p%40ss@h:6379/0'), 'redis://***@h:6379/0')
    assert.equal(
      redactUrl('cannot reach nats://a:b@h1:4222,tls://tok@h2:4222 now'),
      'cannot reach nats://***@h1:4222,tls://***@h2:4222 now',
    )
    assert.equal(redactUrl('nats://h:4222 user@example.com'), 'nats://h:4222 user@example.com')
    assert.equal(redactUrl('plain text'), 'plain text')
  })

  it('redactError copies message, stack and cause redacted, and drops ioredis command args', () => {
    const cause = Object.assign(new Error('WRONGPASS at redis://u:hunter2@h'), {
      command: { name: 'auth', args: ['hunter2'] },
    })
    const err = new Error('open redis://u:hunter2@h failed', { cause })
    const safe = redactError(err) as Error
    const text = JSON.stringify({ m: safe.message, s: safe.stack, c: safe.cause, ...safe })
    assert.doesNotMatch(text, /hunter2/)
    assert.match(safe.message, /redis:\/\/\*\*\*@h/)
    assert.equal((safe.cause as Error).message, 'WRONGPASS at redis://***@h')
  })
})

describe('natsSettings (the nats CLI variables)', () => {
  it('honours user:pass in NATS_URL: moved into the credentials, stripped from the servers', () => {
    const s = natsSettings({ NATS_URL: 'nats://ana:s%3Acret@h1:4222, nats://ana:s%3Acret@h2:4222' })
    assert.deepEqual(s.servers, ['nats://h1:4222', 'nats://h2:4222'])
    assert.equal(s.auth.user, 'ana')
    assert.equal(s.auth.pass, 's:cret')
    assert.equal(s.method, 'user')
  })

  it('a bare userinfo is a token; NATS_USER/NATS_PASSWORD and NATS_TOKEN work alone', () => {
    assert.equal(natsSettings({ NATS_URL: 'nats://tok@h:4222' }).auth.token, 'tok')
    const up = natsSettings({ NATS_URL: 'h:4222', NATS_USER: 'u', NATS_PASSWORD: 'p' })
    assert.deepEqual([up.auth.user, up.auth.pass, up.servers], ['u', 'p', ['h:4222']])
    assert.equal(natsSettings({ NATS_URL: 'nats://h', NATS_TOKEN: 't' }).auth.token, 't')
    assert.equal(natsSettings({ NATS_URL: 'nats://h' }).method, 'none')
  })

  it('refuses ambiguous or incomplete settings, naming variables and never the secret', () => {
    const bad: Record<string, string>[] = [
      { NATS_URL: 'nats://u:secret1@h', NATS_USER: 'v', NATS_PASSWORD: 'secret2' },
      { NATS_URL: 'nats://u:secret1@h1,nats://w:secret2@h2' },
      { NATS_URL: 'nats://h', NATS_USER: 'u' },
      { NATS_URL: 'nats://h', NATS_PASSWORD: 'secret1' },
      { NATS_URL: 'nats://h', NATS_USER: 'u', NATS_PASSWORD: 'secret1', NATS_TOKEN: 'secret2' },
      { NATS_URL: 'nats://h', NATS_CERT: '/x.pem' },
      { NATS_URL: 'nats://h', NATS_CA: '/nonexistent/ca.pem' },
      { NATS_URL: 'nats://h', NATS_CREDS: '/nonexistent/u.creds' },
    ]
    for (const env of bad) {
      assert.throws(
        () => natsSettings(env),
        (err: unknown) => {
          assert.ok(err instanceof NatsConfigError, String(err))
          assert.match(err.message, /NATS_/)
          assert.doesNotMatch(err.message, /secret/)
          return true
        },
        JSON.stringify(Object.keys(env)),
      )
    }
  })

  it('reads TLS files and an nkey seed; tls:// asks for TLS', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'nats-auth-'))
    t.after(() => rm(dir, { recursive: true, force: true }))
    for (const f of ['ca.pem', 'c.pem', 'k.pem']) await writeFile(join(dir, f), 'x')
    // A valid user seed (the nkeys test vector shape); only its parsing is exercised here.
    await writeFile(
      join(dir, 'u.nk'),
      'SUAMLK2ZNL35WSMW37E7UD4VZ7ELPKW7DHC3BWBSD2GCZ7IUQQXZIORRBU\n',
    )
    const s = natsSettings({
      NATS_URL: 'tls://h:4222',
      NATS_CA: join(dir, 'ca.pem'),
      NATS_CERT: join(dir, 'c.pem'),
      NATS_KEY: join(dir, 'k.pem'),
      NATS_NKEY: join(dir, 'u.nk'),
    })
    assert.deepEqual(s.auth.tls, {
      caFile: join(dir, 'ca.pem'),
      certFile: join(dir, 'c.pem'),
      keyFile: join(dir, 'k.pem'),
    })
    assert.equal(s.method, 'nkey')
    assert.equal(typeof s.auth.authenticator, 'function')
    assert.deepEqual(natsSettings({ NATS_URL: 'tls://h:4222' }).auth.tls, {})
  })
})
