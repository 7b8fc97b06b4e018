import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { describe, it } from 'node:test'
import { promisify } from 'node:util'
import { jetstreamManager } from '@nats-io/jetstream'
import { connect, nanos } from '@nats-io/transport-node'
import { NatsBus } from '../../actors/runtime/bus/nats-bus.ts'
import { LIVE_CHANNEL } from '../../actors/runtime/channel.ts'
import { RedisStore } from '../../actors/runtime/store/redis-store.ts'
import {
  createSignal,
  harness,
  publish,
  putState,
  refusesFor,
  state1960,
  until,
} from '../actors/runtime/host/poison-harness.ts'
import { cliCommand, readStream } from '../support/hosts.ts'
import { useServers } from '../support/servers.ts'

const servers = useServers()
const run = promisify(execFile)

async function cli(args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, [...cliCommand(), 'deadletter', ...args], {
    env: { ...process.env, NATS_URL: servers.nats.url },
  })
}

describe('lunettes deadletter (real nats-server and redis-server)', () => {
  it('a host dead-letters a signal whose write the store refuses (fault-injection store) on real NATS + Redis; list shows it, replay publishes it again and empties the stream', async (t) => {
    const bus = await NatsBus.connect(servers.nats.url)
    const store = RedisStore.connect(servers.redis.url, `dl-${randomUUID()}:`)
    const bad = randomUUID()
    const h = harness(bus, refusesFor(store, bad))
    t.after(async () => {
      await h.stop()
      await store.close()
      await bus.close()
    })
    const good = randomUUID()
    await putState(store, state1960(bad, 'old-1', Date.now() * 1000), bad)
    await h.start()
    await publish(bus, [createSignal(bad, 'old-1', 'poison:cli'), createSignal(good, 'web-1')])
    await until('the healthy pod', async () => (await store.getState(good)) !== null)
    await until('the dead letter', async () => {
      const n = await h.counter('lunettes_signals_deadlettered_total', { reason: 'persist' })
      return n === 1
    })
    await h.stop()

    // The consumers carry max_deliver and the growing ack wait.
    const nc = await connect({ servers: servers.nats.url })
    t.after(() => nc.close())
    const jsm = await jetstreamManager(nc)
    const { config } = await jsm.consumers.info(LIVE_CHANNEL.stream, LIVE_CHANNEL.durableOf(0))
    assert.equal(config.max_deliver, 20)
    assert.equal(config.backoff?.[0], config.ack_wait)
    assert.ok((config.backoff?.length ?? 0) > 1 && (config.backoff?.at(-1) ?? 0) <= nanos(60_000))

    const listed = await cli(['list', '--json'])
    const rows = listed.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    assert.equal(rows.length, 1)
    assert.equal(rows[0].reason, 'persist')
    assert.equal(rows[0].deliveries, 1)
    assert.equal(rows[0].subject, LIVE_CHANNEL.subjectOf(0))
    assert.equal(rows[0].message.signal.id, 'poison:cli')
    const text = await cli(['list', '--partition', '0', '--limit', '5'])
    assert.match(
      text.stdout,
      /persist {2}deliveries=1 {2}lunettes\.signals\.0#\d+ {2}.*planted refusal/,
    )
    assert.equal((await cli(['list', '--partition', '7'])).stdout, '', 'another partition: none')

    const before = (await jsm.streams.info(LIVE_CHANNEL.stream)).state.messages
    const replayed = await cli(['replay', '--partition', '0'])
    assert.match(replayed.stderr, /1 dead letter\(s\) published again/)
    assert.equal((await jsm.streams.info('LUNETTES_DEADLETTER')).state.messages, 0)
    assert.equal((await jsm.streams.info(LIVE_CHANNEL.stream)).state.messages, before + 1)
    const signals = await readStream(bus, LIVE_CHANNEL.stream, LIVE_CHANNEL.subjectOf(0))
    const last = JSON.parse(new TextDecoder().decode(signals.at(-1)?.data))
    assert.equal(last.signal.id, 'poison:cli', 'the original message, published again')
    assert.match((await cli(['bogus']).catch((e: { stderr: string }) => e)).stderr, /Usage/)
  })
})
