// Regenerates test/fixtures/audit/*.{jsonl,json} from the fixture builders. Run once, from the
// repository root: `npx tsx test/support/audit-fixtures-generate.ts`. The output is kept as
// data; the builders are deterministic, so a re-run gives the same bytes.
import { mkdirSync, writeFileSync } from 'node:fs'
import type { AuditEvent } from '../../protocol/k8s-audit.ts'
import {
  evictedPod,
  imagePullLate,
  jobPodSucceeds,
  neverBoundDeleted,
  podLifecycle,
  rejectedByQuota,
  unschedulableThenBound,
} from './audit-fixtures.ts'
import { ADMIN, byStageTime } from './audit-fixtures-base.ts'
import { MIXED_PODS } from './audit-fixtures-catalog.ts'

const dir = 'test/fixtures/audit'
mkdirSync(dir, { recursive: true })

function jsonl(events: readonly AuditEvent[]): string {
  return events.map((e) => `${JSON.stringify(e)}\n`).join('')
}

const happy = podLifecycle(MIXED_PODS.happy)
const mixed = byStageTime([
  ...happy,
  ...podLifecycle(MIXED_PODS.fast),
  ...imagePullLate(MIXED_PODS.slow),
  ...rejectedByQuota(MIXED_PODS.quota),
  ...unschedulableThenBound(MIXED_PODS.unschedulable),
  ...neverBoundDeleted(MIXED_PODS.neverBound),
  ...jobPodSucceeds(MIXED_PODS.job),
  ...evictedPod(MIXED_PODS.evicted, 90_000, ADMIN),
  ...podLifecycle(MIXED_PODS.system),
])
writeFileSync(`${dir}/happy-pod.jsonl`, jsonl(happy))
writeFileSync(`${dir}/mixed-pods.jsonl`, jsonl(mixed))
const { deleteAfterMs: _delete, ...happyNoDelete } = MIXED_PODS.happy
const batch = byStageTime([
  ...podLifecycle(happyNoDelete),
  ...unschedulableThenBound(MIXED_PODS.unschedulable),
]).filter((e) => (e.stageTimestamp ?? '') < '2024-05-14T09:02:00')
const list = { kind: 'EventList', apiVersion: 'audit.k8s.io/v1', metadata: {}, items: batch }
writeFileSync(`${dir}/eventlist.json`, `${JSON.stringify(list, null, 2)}\n`)
console.log(`happy ${happy.length}, mixed ${mixed.length}, eventlist ${batch.length}`)
