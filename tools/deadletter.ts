import { parseArgs } from 'node:util'
import { type JetStreamManager, jetstream, jetstreamManager } from '@nats-io/jetstream'
import { connect, type NatsConnection } from '@nats-io/transport-node'
import * as v from 'valibot'
import {
  DEADLETTER_STREAM,
  DEADLETTER_WILDCARD,
  DeadLetter,
  deadLetterSubject,
  originalBytes,
} from '../actors/runtime/bus/deadletter-stream.ts'

const USAGE = `Usage: lunettes deadletter <list|replay> [options]

Signals an actor host isolated from their batch (stream ${DEADLETTER_STREAM}).

  list    [--partition P] [--limit N] [--json]
          one line per dead letter: time, reason, deliveries, original subject and seq, error
  replay  [--partition P]
          publish the original messages again on their subjects (lunettes.signals.<p>) and
          remove them from the dead-letter stream

Connects to NATS_URL (default nats://127.0.0.1:4222).
`

/** A dead letter read back, with its place in the dead-letter stream. */
interface Stored {
  readonly seq: number
  readonly letter: DeadLetter | null
  readonly raw: string
}

const dec = new TextDecoder()

/** Every dead letter of the filter, oldest first (an ordered consumer: nothing is acknowledged). */
async function readLetters(nc: NatsConnection, filter: string, limit: number): Promise<Stored[]> {
  const jsm = await jetstreamManager(nc)
  const info = await jsm.streams.info(DEADLETTER_STREAM)
  if (info.state.messages === 0 || limit <= 0) return []
  const consumer = await jetstream(nc).consumers.get(DEADLETTER_STREAM, {
    filter_subjects: filter,
  })
  const out: Stored[] = []
  for (;;) {
    const batch = await consumer.fetch({ max_messages: Math.min(256, limit), expires: 1000 })
    let got = 0
    let pending = 0
    for await (const m of batch) {
      got++
      pending = m.info.pending
      const raw = dec.decode(m.data)
      const parsed = v.safeParse(DeadLetter, safeJson(raw))
      out.push({ seq: m.seq, letter: parsed.success ? parsed.output : null, raw })
      if (out.length >= limit || pending === 0) break
    }
    if (got === 0 || pending === 0 || out.length >= limit) return out
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return null
  }
}

function line(s: Stored): string {
  const l = s.letter
  if (!l) return `#${s.seq}  (not a dead letter of this version: ${s.raw.slice(0, 80)})`
  const where = `${l.subject}#${l.seq}`
  return `#${s.seq}  ${l.at}  ${l.reason}  deliveries=${l.deliveries}  ${where}  ${l.error}`
}

async function list(nc: NatsConnection, filter: string, limit: number, json: boolean) {
  const letters = await readLetters(nc, filter, limit)
  for (const s of letters) {
    const text = json ? JSON.stringify({ dlSeq: s.seq, ...(s.letter ?? { raw: s.raw }) }) : line(s)
    process.stdout.write(`${text}\n`)
  }
  if (!json) process.stderr.write(`${letters.length} dead letter(s)\n`)
}

/**
 * Publishes each original again and only then deletes its dead letter, so an interrupted replay
 * loses nothing; the dedupe id names the dead letter, so replaying twice publishes once.
 */
async function replay(nc: NatsConnection, jsm: JetStreamManager, filter: string) {
  const js = jetstream(nc)
  let replayed = 0
  for (const s of await readLetters(nc, filter, Number.MAX_SAFE_INTEGER)) {
    const l = s.letter
    if (!l) {
      process.stderr.write(`skipping #${s.seq}: not a dead letter this version can read\n`)
      continue
    }
    await js.publish(l.subject, originalBytes(l), { msgID: `replay:${DEADLETTER_STREAM}:${s.seq}` })
    await jsm.streams.deleteMessage(DEADLETTER_STREAM, s.seq)
    replayed++
  }
  process.stderr.write(`${replayed} dead letter(s) published again\n`)
}

/** `lunettes deadletter …`; returns the exit code. */
export async function deadletterCommand(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      partition: { type: 'string' },
      limit: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  const [sub] = positionals
  if (values.help || (sub !== 'list' && sub !== 'replay')) {
    ;(values.help ? process.stdout : process.stderr).write(USAGE)
    return values.help ? 0 : 2
  }
  const p = values.partition === undefined ? null : Number(values.partition)
  const limit = values.limit === undefined ? 100 : Number(values.limit)
  if ((p !== null && !(Number.isInteger(p) && p >= 0)) || !(Number.isInteger(limit) && limit > 0)) {
    process.stderr.write(`lunettes deadletter: --partition and --limit take integers\n${USAGE}`)
    return 2
  }
  const filter = p === null ? DEADLETTER_WILDCARD : deadLetterSubject(p)
  const nc = await connect({ servers: env.NATS_URL ?? 'nats://127.0.0.1:4222' })
  try {
    if (sub === 'list') await list(nc, filter, limit, values.json === true)
    else await replay(nc, await jetstreamManager(nc), filter)
    return 0
  } finally {
    await nc.drain()
  }
}
