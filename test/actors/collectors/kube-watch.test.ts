import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it, type TestContext } from 'node:test'
import { KubeConfig } from '@kubernetes/client-node'
import { pino } from 'pino'
import { KubeWatchCollector, type KubeWatchOptions } from '../../../actors/collectors/kube-watch.ts'
import { BusUnavailableError, type OutMessage } from '../../../actors/runtime/bus/bus.ts'
import { EmbeddedBus } from '../../../actors/runtime/bus/embedded-bus.ts'
import type { SignalEnvelope } from '../../../protocol/envelope.ts'
import { FakeApiServer, waitFor, writeKubeconfig } from '../../support/fake-apiserver.ts'

type Obj = Record<string, unknown>

/** A bus whose publishes can be held (backpressure) or fail (bus down); records batch sizes. */
class TestBus extends EmbeddedBus {
  readonly batches: number[] = []
  readonly ids = new Set<string>()
  failures = 0
  #open: Promise<void> = Promise.resolve()
  #release = () => {}

  hold(): void {
    this.#open = new Promise((resolve) => (this.#release = resolve))
  }

  release(): void {
    this.#release()
  }

  override async publish(messages: readonly OutMessage[]): Promise<void> {
    await this.#open
    if (this.failures > 0) {
      this.failures--
      throw new BusUnavailableError('nats: connection closed')
    }
    this.batches.push(messages.length)
    for (const m of messages) if (m.msgId) this.ids.add(m.msgId)
    await super.publish(messages)
  }
}

// Synthetic pods: just enough for the normaliser (creation stamp + an untimed phase).
const pod = (i: number, ns = 'shop'): Obj => ({
  metadata: {
    name: `web-${i}`,
    namespace: ns,
    uid: `uid-${i}`,
    resourceVersion: `${100 + i}`,
    creationTimestamp: '2021-09-14T14:20:00Z',
  },
  spec: { containers: [{ name: 'app', image: 'registry.example/web:1' }] },
  status: { phase: 'Pending' },
})

async function setup(t: TestContext, opts: Partial<KubeWatchOptions> = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'kube-watch-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  const api = await FakeApiServer.start()
  t.after(() => api.close())
  const kubeConfig = new KubeConfig()
  kubeConfig.loadFromFile(await writeKubeconfig(dir, api.url))
  const bus = new TestBus()
  t.after(() => bus.close())
  await bus.ensureStream({
    name: 'LUNETTES_SIGNALS',
    subjects: ['lunettes.signals.*'],
    maxAgeMs: 3_600_000,
    maxBytes: -1,
    duplicateWindowMs: 600_000,
  })
  const collector = new KubeWatchCollector({
    kubeConfig,
    bus,
    partitions: 8,
    ignoredNamespaces: new Set(['kube-system']),
    log: pino({ level: 'silent' }),
    now: () => Date.parse('2021-09-14T14:30:00Z'),
    backoff: { initialMs: 100, maxMs: 1000 },
    ...opts,
  })
  t.after(() => collector.stop())
  return { api, bus, collector }
}

describe('KubeWatchCollector against a fake API server', () => {
  it('backs off exponentially with jitter when the list fails with 500, then lists', async (t) => {
    const { api, bus, collector } = await setup(t)
    api.seed('pods', [pod(1)])
    api.failLists('pods', 3)
    await collector.start()
    await collector.whenSynced()
    const at = api.lists('pods').map((r) => r.at)
    assert.equal(at.length, 4, 'three failures, then the list that worked')
    const gaps = at.slice(1).map((t0, i) => t0 - (at[i] ?? 0))
    // Equal jitter: retry n waits between half and all of 100 ms · 2^(n-1).
    const inRange = gaps.every((gap, i) => gap >= 50 * 2 ** i - 5 && gap <= 100 * 2 ** i + 400)
    assert.ok(inRange, `retry gaps ${gaps} ms`)
    assert.equal(collector.stats().loops['/api/v1/pods']?.errors, 3)
    assert.ok(bus.ids.has('pod:uid-1:created'))
    assert.equal(api.lists('events').length, 1, 'the events loop was not held up')
  })

  it('re-lists once on an HTTP 410 and reports pods deleted while not watching', async (t) => {
    const { api, bus, collector } = await setup(t)
    api.seed('pods', [pod(1), pod(2), pod(3, 'kube-system')])
    await collector.start()
    await collector.whenSynced()
    await waitFor(() => api.watchVersions('pods').length === 1, 'the watch')
    assert.ok(bus.ids.has('pod:uid-1:created') && bus.ids.has('pod:uid-2:created'))
    assert.ok(!bus.ids.has('pod:uid-3:created'), 'ignored namespace')
    api.apply('pods', 'DELETED', pod(2), true)
    api.return410Once('pods', true)
    api.endWatches()
    await waitFor(() => bus.ids.has('pod:uid-2:deleted'), 'the reconciled delete')
    await waitFor(() => api.watchVersions('pods').length === 3, 'the watch after the re-list')
    assert.equal(api.lists('pods').length, 2)
    assert.ok(!bus.ids.has('pod:uid-1:deleted'))
    const loop = collector.stats().loops['/api/v1/pods']
    assert.deepEqual([loop?.expired, loop?.relists, loop?.reconciledDeletes], [1, 1, 1])
    assert.deepEqual(api.watchVersions('pods').slice(0, 2), ['103', '103'])
  })

  it('follows configured namespaces and events.k8s.io Events, keeping µs eventTime', async (t) => {
    const { api, bus, collector } = await setup(t, {
      namespaces: ['shop', 'mail'],
      eventsApi: 'events.k8s.io',
    })
    const regarding = { kind: 'Pod', name: 'web-1', namespace: 'shop', uid: 'uid-1' }
    api.seed('events.k8s.io', [
      {
        metadata: { name: 'web-1.a', namespace: 'shop', uid: 'ev-a', resourceVersion: '7' },
        eventTime: '2021-09-14T14:20:01.123456Z',
        reportingController: 'default-scheduler',
        reason: 'Scheduled',
        type: 'Normal',
        note: 'Successfully assigned shop/web-1 to w-a',
        regarding,
      },
    ])
    api.seed('pods', [pod(1), pod(2, 'other')])
    await collector.start()
    await collector.whenSynced()
    const lists = api.requests.filter((r) => !r.watch)
    const paths = lists.map((r) => `${r.resource}:${r.namespace}`).sort()
    assert.deepEqual(paths, ['events.k8s.io:mail', 'events.k8s.io:shop', 'pods:mail', 'pods:shop'])
    assert.ok(bus.ids.has('pod:uid-1:created') && !bus.ids.has('pod:uid-2:created'))
    await waitFor(() => api.watchVersions('events.k8s.io').length === 2, 'the event watches')
    api.apply('events.k8s.io', 'MODIFIED', {
      metadata: { name: 'web-1.b', namespace: 'shop', uid: 'ev-b' },
      eventTime: '2021-09-14T14:20:05.654321Z',
      reportingController: 'kubelet',
      reason: 'Pulled',
      type: 'Normal',
      note: 'Container image "registry.example/web:1" already present on machine',
      regarding,
    })
    const sub = bus.subscribe('lunettes.signals.*', () => {})
    t.after(() => sub.close())
    await waitFor(() => bus.ids.has('event:ev-b:1'), 'the watched event')
    const stream = await bus.consumer({
      stream: 'LUNETTES_SIGNALS',
      durable: 'check',
      filterSubject: 'lunettes.signals.*',
      ackWaitMs: 60_000,
    })
    const signals = (await stream.fetch(100, 50)).map(
      (m) => (JSON.parse(new TextDecoder().decode(m.data)) as SignalEnvelope).signal,
    )
    const times = signals.filter((s) => s.event).map((s) => [s.source, s.time, s.precision])
    assert.deepEqual(times, [
      ['event', 1631629201123456, 'us'],
      ['watch', 1631629205654321, 'us'],
    ])
  })

  it('publishes in batches, holds reading while the bus is slow, retries when it is down', async (t) => {
    const { api, bus, collector } = await setup(t, { pageSize: 100, batchSignals: 100 })
    api.seed(
      'pods',
      Array.from({ length: 1000 }, (_, i) => pod(i)),
    )
    bus.hold()
    bus.failures = 2
    await collector.start()
    await new Promise((resolve) => setTimeout(resolve, 300))
    const pages = api.requests.filter((r) => r.resource === 'pods').length
    assert.ok(pages <= 3, `the list stops reading while publishes wait (${pages} pages read)`)
    bus.release()
    await collector.whenSynced()
    assert.equal(api.requests.filter((r) => r.resource === 'pods').length, 10)
    assert.equal(bus.ids.size, 2000, 'every signal of every pod, none lost to the outage')
    assert.ok(bus.batches.every((n) => n <= 100))
    assert.equal(collector.stats().publishRetries, 2)
  })

  it('resumes from the last complete event after a cut, and stop() ends an open watch', async (t) => {
    const { api, bus, collector } = await setup(t)
    api.seed('pods', [pod(1)])
    await collector.start()
    await waitFor(() => api.watchVersions('pods').length === 1, 'the watch')
    const sent = api.apply('pods', 'MODIFIED', { ...pod(1), status: { phase: 'Running' } })
    const rv = (sent.metadata as Obj).resourceVersion
    await waitFor(() => bus.ids.has(`pod:uid-1:status:${rv}`), 'the watched change')
    api.bookmark()
    api.dropConnectionOnce('pods')
    api.bookmark()
    await waitFor(() => api.watchVersions('pods').length === 2, 'the reconnect')
    assert.equal(api.watchVersions('pods')[1], rv, 'resumed from the last complete event')
    const started = Date.now()
    await collector.stop()
    assert.ok(Date.now() - started < 1000)
    assert.equal(api.lists('pods').length, 1)
  })
})
