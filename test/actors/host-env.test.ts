import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { hostDurations } from '../../actors/host-env.ts'

describe('actor host durations from the environment', () => {
  it('defaults: lease 10s, retention 168h, live TTL 720h, idle 5m, backlog grace 60s', () => {
    assert.deepEqual(hostDurations({}), {
      leaseTtlMs: 10_000,
      retentionMs: 168 * 3_600_000,
      liveTtlMs: 720 * 3_600_000,
      idleMs: 300_000,
      backlogGraceMs: 60_000,
    })
  })

  it('reads Go durations and names the variable of a bad or non-positive one', () => {
    assert.equal(hostDurations({ LUNETTES_RETENTION: '36h30m' }).retentionMs, 36.5 * 3_600_000)
    assert.throws(
      () => hostDurations({ LUNETTES_BACKLOG_GRACE: '1 minute' }),
      /^Error: LUNETTES_BACKLOG_GRACE=1 minute: /,
    )
    assert.throws(
      () => hostDurations({ LUNETTES_IDLE: '0' }),
      /LUNETTES_IDLE=0: must be a positive duration, e.g. 5m/,
    )
    assert.throws(
      () => hostDurations({ LUNETTES_LIVE_TTL: '-1h' }),
      /LUNETTES_LIVE_TTL=-1h: must be a positive/,
    )
  })
})
