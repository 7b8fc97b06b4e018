import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { NatsBus } from '../../actors/runtime/bus/nats-bus.ts'
import { RedisStore } from '../../actors/runtime/store/redis-store.ts'
import { auditRecordTime } from '../../protocol/watermark.ts'
import { alertKinds, liveRig, replayOf, until } from '../actors/runtime/host/watermark-harness.ts'
import { podLifecycle } from '../support/audit-fixtures.ts'
import { dispose, startNats, startRedis, type TestServer } from '../support/servers.ts'

let nats: TestServer | undefined
let redis: TestServer | undefined
let dir = ''

before(async () => {
  nats = await startNats()
  redis = await startRedis()
  dir = await mkdtemp(join(tmpdir(), 'lunettes-late-'))
})

after(async () => {
  await dispose(nats)
  await dispose(redis)
  await rm(dir, { recursive: true, force: true })
})

it('nats-server + redis-server, real clock: records an hour late in two batches 1.5 s apart are judged as replay judges them', async (t) => {
  const bus = await NatsBus.connect(nats?.url ?? '')
  const store = RedisStore.connect(redis?.url ?? '', `late${randomUUID().slice(0, 8)}:`)
  t.after(async () => {
    await bus.close()
    await store.close()
  })
  const rig = await liveRig({ bus, store, partitions: 4 })
  t.after(() => rig.stop())
  const createdAt = (Date.now() - 60 * 60_000) * 1000
  const uid = randomUUID()
  const records = podLifecycle({
    namespace: 'shop',
    name: 'late-web',
    uid,
    createdAt,
    owner: { kind: 'ReplicaSet', name: 'late-web' },
  })
  const cut = createdAt + 2_000_000
  const first = records.filter((r) => (auditRecordTime(r) ?? 0) <= cut)
  const second = records.filter((r) => (auditRecordTime(r) ?? 0) > cut)
  assert.equal(await rig.post(first, 'apiserver-1'), 200)
  assert.ok(await until(async () => (await rig.report(uid)) !== null), 'first batch folded')
  await sleep(1500)
  assert.equal(await rig.post(second, 'apiserver-1'), 200)
  const judged = async () => (await rig.report(uid))?.slo.create.result === 'success'
  const ok = await until(judged)
  const replay = await replayOf(records, join(dir, 'late.jsonl'))
  assert.equal(replay.reports[0]?.slo.create.result, 'success')
  assert.ok(ok, `live: ${(await rig.report(uid))?.slo.create.result}`)
  await sleep(1000)
  assert.deepEqual(alertKinds(rig.alerts, uid), alertKinds(replay.alerts, uid))
})
