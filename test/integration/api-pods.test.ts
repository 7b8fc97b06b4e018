import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { apiWorld } from '../support/api-world.ts'
import { useServers } from '../support/servers.ts'

const servers = useServers()

let world: Awaited<ReturnType<typeof apiWorld>>

const message = (body: Record<string, unknown>) =>
  String((body.error as { message: string }).message)

describe('pods search and debugpod over NATS on the replayed metal data', () => {
  before(async () => {
    world = await apiWorld(servers)
  })
  after(() => world?.close())

  it('searches by name prefix, paged without overlap or gap, and by UID', async () => {
    const counts = new Map<string, number>()
    for (const r of world.indexed) {
      const p = r.name.slice(0, 6)
      counts.set(p, (counts.get(p) ?? 0) + 1)
    }
    const [prefix] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0] ?? ['']
    const expected = world.indexed.filter((r) => r.name.startsWith(prefix))
    assert.ok(expected.length > 5, `${expected.length} pods start with ${prefix}`)
    const uids: string[] = []
    let cursor: string | null = null
    do {
      const q = `/api/v1/pods?q=${prefix}&limit=4${cursor ? `&cursor=${cursor}` : ''}`
      const { status, body } = await world.get(q)
      assert.equal(status, 200, JSON.stringify(body))
      uids.push(...(body.pods as { uid: string }[]).map((p) => p.uid))
      cursor = body.next as string | null
    } while (cursor)
    assert.equal(new Set(uids).size, uids.length, 'no pod twice')
    assert.deepEqual(new Set(uids), new Set(expected.map((r) => r.uid)))
    const one = world.indexed[0]
    assert.ok(one)
    const byUid = await world.get(`/api/v1/pods?q=${one.uid}`)
    assert.deepEqual(
      (byUid.body.pods as { uid: string }[]).map((p) => p.uid),
      [one.uid],
    )
    const late = await world.get(`/api/v1/pods?q=${prefix}&result=late&limit=1000`)
    assert.deepEqual(
      new Set((late.body.pods as { uid: string }[]).map((p) => p.uid)),
      new Set(expected.filter((r) => r.slo.create.result === 'late').map((r) => r.uid)),
    )
  })

  it('debugpod has the events timeline, owner, node, trace link and history; 404 names the pod', async () => {
    const crash = world.reports.find((r) => r.diagnosis?.code === 'CrashLoopBackOff')
    assert.ok(crash, 'a CrashLoopBackOff pod in the data')
    const { status, body } = await world.get(`/api/v1/debugpod?uid=${crash.uid}`)
    assert.equal(status, 200)
    assert.deepEqual(body.events, crash.events)
    const events = body.events as {
      reason: string
      count: number
      first: string
      last: string
      source: string
    }[]
    assert.ok(
      events.some((e) => e.reason === 'BackOff') && events.some((e) => e.count > 1),
      JSON.stringify(events.map((e) => [e.reason, e.count])),
    )
    for (const e of events) assert.ok(Date.parse(e.first) <= Date.parse(e.last), 'first ≤ last')
    assert.equal(body.node, crash.node)
    assert.deepEqual(body.owner, crash.owner)
    assert.equal(body.traceUrl, `http://jaeger.example:16686/trace/${crash.traceId}`)
    const names = new Map<string, number>()
    for (const r of world.reports)
      names.set(`${r.namespace}/${r.name}`, (names.get(`${r.namespace}/${r.name}`) ?? 0) + 1)
    const [reused, n] = [...names.entries()].find(([, c]) => c > 1) ?? ['', 0]
    const [ns, name] = reused.split('/')
    const held = await world.get(`/api/v1/debugpod?namespace=${ns}&name=${name}`)
    assert.equal((held.body.history as unknown[]).length, n - 1)
    const missing = await world.get('/api/v1/debugpod?namespace=default&name=no-such-pod')
    assert.equal(missing.status, 404)
    assert.equal(message(missing.body), 'no pod with default/no-such-pod')
  })

  it('malformed parameters, oversized limits and injection attempts are clean 400s naming the parameter', async () => {
    for (const [path, parameter] of [
      ["/api/v1/pods?q=' OR 1=1--", 'q'],
      ['/api/v1/pods?q=*', 'q'],
      ['/api/v1/pods?q=web%00', 'q'],
      ['/api/v1/pods?q=%3Cscript%3E', 'q'],
      [`/api/v1/pods?q=${'a'.repeat(300)}`, 'q'],
      ['/api/v1/pods?q=a&limit=100000', 'limit'],
      ['/api/v1/pods?namespace=../../etc', 'namespace'],
      ['/api/v1/pods?cursor=%7B%7D', 'cursor'],
      ['/api/v1/pods?cursor=bm9wZQ', 'cursor'],
      ['/api/v1/pods?result=great', 'result'],
      ['/api/v1/debugslo?limit=5001', 'limit'],
      ['/api/v1/debugslo?owner=admin', 'owner'],
      ['/api/v1/debugslo?code=DROP%20TABLE', 'code'],
      ['/api/v1/debugslo?namespace=a%20b', 'namespace'],
      ['/api/v1/debugslo?sort=desc', 'sort'],
      ['/api/v1/debugpod?uid=a%2Fb', 'uid'],
      ['/api/v1/debugpod?namespace=x&name=Web_1', 'name'],
    ] as const) {
      const { status, body } = await world.get(path)
      assert.equal(status, 400, path)
      assert.ok(message(body).startsWith(`${parameter}:`), `${path}: ${message(body)}`)
    }
  })
})
