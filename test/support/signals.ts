import type { PodEventInfo, PodFacts, PodOp, PodSignal } from '../../protocol/pod-signal.ts'
import { type Precision, parseTime } from '../../protocol/time.ts'

/** Epoch µs of an RFC 3339 time; throws on a typo so tests fail loudly. */
export function us(iso: string): number {
  const t = parseTime(iso)
  if (!t) throw new Error(`bad test time ${iso}`)
  return t.time
}

let seq = 0

export interface SigInit {
  at: string
  ops?: (string | PodOp)[]
  uid?: string | null
  ns?: string
  name?: string
  source?: PodSignal['source']
  precision?: Precision
  facts?: PodFacts
  actor?: string
  event?: Omit<PodEventInfo, 'first' | 'firstPrecision' | 'uid' | 'count' | 'type' | 'component'> &
    Partial<PodEventInfo>
  id?: string
}

/** Builds a hand-made PodSignal for decide tests (synthetic: not from a real cluster). */
export function sig(init: SigInit): PodSignal {
  const time = us(init.at)
  const precision = init.precision ?? parseTime(init.at)?.precision ?? 'us'
  const out: PodSignal = {
    v: 1,
    id: init.id ?? `test:${++seq}`,
    source: init.source ?? 'audit',
    time,
    precision,
    pod: {
      namespace: init.ns ?? 'shop',
      name: init.name ?? 'web-1',
      ...(init.uid === null ? {} : { uid: init.uid ?? 'a1b2c3d4-0000-4000-8000-000000000001' }),
    },
    ops: (init.ops ?? []).map((o) => (typeof o === 'string' ? { op: o } : o)),
  }
  if (init.facts) out.facts = init.facts
  if (init.actor) out.actor = init.actor
  if (init.event) {
    out.event = {
      uid: init.event.uid ?? `ev-${init.event.reason}-${seq}`,
      type: init.event.type ?? 'Normal',
      count: init.event.count ?? 1,
      component: init.event.component ?? 'kubelet',
      first: time,
      firstPrecision: precision,
      ...init.event,
    }
  }
  return out
}

/** Facts of a plain Deployment pod with one container. */
export const SERVICE_FACTS: PodFacts = {
  owner: { kind: 'ReplicaSet', name: 'web-7d9f' },
  restartPolicy: 'Always',
  schedulerName: 'default-scheduler',
  containers: [{ name: 'app', image: 'registry.example/web:1.2' }],
  volumeKinds: ['projected'],
}
