import type { SloAlert } from '../../protocol/alert.ts'

/** A valid SLO alert for stream tests (fields made up by the test). */
export function fakeAlert(i: number, namespace = 'shop'): SloAlert {
  return {
    v: 1,
    id: `uid-${i}:create:violated`,
    kind: 'violated',
    slo: 'create',
    uid: `uid-${i}`,
    namespace,
    name: `web-${i}`,
    at: new Date(Date.UTC(2024, 4, 14, 9, 0, i)).toISOString(),
    deadline: null,
    thresholdMs: 60_000,
    result: 'violated',
    diagnosis: null,
  }
}
