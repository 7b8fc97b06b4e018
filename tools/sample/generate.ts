import { type PodStory, podStory } from './pod-story.ts'

/**
 * The sample cluster: a seeded mix of pod lives with every create verdict (success, late,
 * failed, killed, incomplete) and a handful of diagnosis codes, as audit log JSON lines in
 * stage-time order. Same seed, same bytes.
 */

/** A small seeded PRNG (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Scenario names and their share of the pods. */
export const SCENARIOS = {
  success: 0.6,
  slowPull: 0.07,
  probeFailing: 0.06,
  unschedulable: 0.06,
  crashLoop: 0.06,
  imageNotFound: 0.05,
  killed: 0.05,
  inFlight: 0.05,
} as const
export type Scenario = keyof typeof SCENARIOS

const NODES = Array.from({ length: 6 }, (_, i) => ({
  name: `node-${i + 1}`,
  ip: `10.0.1.${11 + i}`,
}))
const APPS = [
  { ns: 'shop', app: 'web', image: 'registry.example.com/shop/web:2.4.1' },
  { ns: 'shop', app: 'cart', image: 'registry.example.com/shop/cart:1.9.0' },
  { ns: 'payments', app: 'api', image: 'registry.example.com/payments/api:5.2.3' },
  { ns: 'search', app: 'indexer', image: 'registry.example.com/search/indexer:0.14.2' },
]

export interface SampleOptions {
  seed?: number
  pods?: number
  /** Start of the sample, epoch ms (default 2024-05-14T09:00:00Z). */
  start?: number
}

function pick(r: () => number): Scenario {
  let x = r()
  for (const [k, share] of Object.entries(SCENARIOS)) {
    x -= share
    if (x < 0) return k as Scenario
  }
  return 'success'
}

const SUFFIX = 'bcdfghjklmnpqrstvwxz2456789'

function live(r: () => number, scenario: Scenario, i: number, t0: number, span: number): PodStory {
  const a = APPS[i % APPS.length] ?? APPS[0]
  if (!a) throw new Error('no apps')
  const rs = `${a.app}-${Math.floor(r() * 0xfffff)
    .toString(16)
    .padStart(5, '0')}f8`
  const suffix = Array.from({ length: 5 }, () => SUFFIX[Math.floor(r() * SUFFIX.length)]).join('')
  const p = podStory(
    a.ns,
    rs,
    suffix,
    scenario === 'imageNotFound' ? a.image.replace(/:.*/, ':does-not-exist') : a.image,
  )
  const node = NODES[Math.floor(r() * NODES.length)] ?? { name: 'node-1', ip: '10.0.1.11' }
  // Failures need 35 minutes of data after them (the give-up time); in-flight pods are last.
  const late = scenario === 'crashLoop' || scenario === 'imageNotFound'
  let t =
    scenario === 'inFlight'
      ? t0 + span - 120e6 * r() - 30e6
      : t0 + (late ? 0.15 : 0.75) * span * r()
  const s = (sec: number) => (t += sec * 1e6)
  p.create(t)
  if (scenario === 'unschedulable' || scenario === 'killed') {
    const msg =
      scenario === 'killed'
        ? '0/6 nodes are available: 6 node(s) had untolerated taint {dedicated: gpu}. preemption: 0/6 nodes are available: 6 Preemption is not helpful for scheduling.'
        : '0/6 nodes are available: 6 Insufficient cpu. preemption: 0/6 nodes are available: 6 No preemption victims found for incoming pod.'
    const first = s(0.02)
    p.failedScheduling(first, msg, 1, first)
    const waits = scenario === 'killed' ? 2 : 4 + Math.floor(r() * 2)
    for (let k = 2; k <= waits; k++) p.failedScheduling(s(150), msg, k * 3, first)
    if (scenario === 'killed') {
      p.delete(s(20), true)
      p.deleted(s(0.3))
      return p.story()
    }
  }
  p.bind(s(0.2 + r() * 2), node.name, node.ip)
  p.accepted(s(0.3 + r()))
  s(0.6)
  if (scenario === 'imageNotFound') {
    const img = 'does-not-exist'
    p.event(s(0.2), 'Pulling', `Pulling image "${a.image.replace(/:.*/, `:${img}`)}"`)
    const ref = a.image.replace(/:.*/, `:${img}`)
    p.event(
      s(1.1),
      'Failed',
      `Failed to pull image "${ref}": rpc error: code = NotFound desc = failed to pull and unpack image "${ref}": failed to resolve reference "${ref}": ${ref}: not found`,
      'Warning',
    )
    p.event(s(0.01), 'Failed', 'Error: ErrImagePull', 'Warning')
    p.pullFailing(s(1))
    const first = t
    for (let k = 2; k < 8; k++)
      p.event(s(240), 'BackOff', `Back-off pulling image "${ref}"`, 'Normal', k, first)
    return p.story()
  }
  const pull = scenario === 'slowPull' ? 500 + r() * 60 : 1 + r() * 15
  p.pulled(s(pull), pull)
  p.started(s(0.5))
  if (scenario === 'crashLoop') {
    const first = t
    for (let k = 1; k <= 4; k++) {
      p.crashed(s(5 + 20 * 2 ** k), k)
      p.event(
        s(0.5),
        'BackOff',
        'Back-off restarting failed container app in pod',
        'Warning',
        k,
        first,
      )
    }
    return p.story()
  }
  if (scenario === 'inFlight') return p.story()
  if (scenario === 'probeFailing') {
    const first = s(5)
    for (let k = 1; k <= 10; k++)
      p.event(
        s(55),
        'Unhealthy',
        'Readiness probe failed: HTTP probe failed with statuscode: 503',
        'Warning',
        k * 11,
        first,
      )
  }
  p.ready(s(2 + r() * 20))
  if (r() < 0.4) {
    p.delete(s(120 + r() * 600), false)
    p.deleted(s(2 + r() * 25))
  }
  return p.story()
}

/** The sample's audit lines, sorted by stage time, plus what was generated. */
export function generateSample({
  seed = 7,
  pods = 120,
  start = Date.parse('2024-05-14T09:00:00Z'),
}: SampleOptions = {}) {
  const r = prng(seed)
  const span = 50 * 60e6
  const stories: (PodStory & { scenario: Scenario })[] = []
  for (let i = 0; i < pods; i++) {
    const scenario = pick(r)
    stories.push({ ...live(r, scenario, i, start * 1000, span), scenario })
  }
  const lines = stories
    .flatMap((s) => s.lines)
    .sort((a, b) => String(a.stageTimestamp).localeCompare(String(b.stageTimestamp)))
  return { lines, stories }
}
