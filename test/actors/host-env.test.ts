import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { checkHostEnv, hostDurations } from '../../actors/host-env.ts'
import { partitionCount } from '../../protocol/subjects.ts'

describe('actor host durations from the environment', () => {
  it('defaults: lease 10s, retention 168h, live TTL 720h, idle 5m, backlog grace 60s, watermark grace 30s and idle 2m', () => {
    assert.deepEqual(hostDurations({}), {
      leaseTtlMs: 10_000,
      retentionMs: 168 * 3_600_000,
      liveTtlMs: 720 * 3_600_000,
      idleMs: 300_000,
      backlogGraceMs: 60_000,
      watermarkGraceMs: 30_000,
      watermarkIdleMs: 120_000,
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

  it('LUNETTES_PARTITIONS is an integer 1-4096 and LUNETTES_REPLICAS an integer >= 0', () => {
    assert.equal(partitionCount(undefined), 32)
    assert.equal(partitionCount(''), 32)
    assert.equal(partitionCount('64'), 64)
    for (const bad of ['abc', '0', '1.5', '5000', '-4']) {
      assert.throws(() => partitionCount(bad), new RegExp(`LUNETTES_PARTITIONS=${bad}: expected`))
    }
    checkHostEnv({ LUNETTES_PARTITIONS: '16', LUNETTES_REPLICAS: '3' })
    assert.throws(() => checkHostEnv({ LUNETTES_REPLICAS: 'three' }), /LUNETTES_REPLICAS=three/)
    assert.throws(() => checkHostEnv({ LUNETTES_PARTITIONS: 'x' }), /LUNETTES_PARTITIONS=x/)
  })
})
