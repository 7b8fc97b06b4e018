import { setTimeout as sleep } from 'node:timers/promises'
import { type Bus, BusUnavailableError, type OutMessage } from '../../actors/runtime/bus/bus.ts'
import { localMessage } from '../../actors/runtime/bus/embedded-local.ts'
import type { SignalChannel } from '../../actors/runtime/channel.ts'
import type { PartitionMessage } from '../../protocol/envelope.ts'
import type { PodSignal } from '../../protocol/pod-signal.ts'
import { partitionOf } from '../../protocol/subjects.ts'

/** One message for one partition, or for every partition (`all`). */
export interface Addressed {
  to: number | 'all'
  msg: PartitionMessage
}

/**
 * The replay's message sequence on the signal clock: each signal stamped with the global
 * watermark, a broadcast clock tick with `suspendBefore` at every observation gap longer than
 * `maxGapUs`, and a final broadcast end marker. Every partition sees its signals and the ticks in
 * global order, so alarms fire at the same point whatever the partition layout.
 */
export function* replayMessages(
  signals: readonly PodSignal[],
  partitions: number,
  maxGapUs: number,
  run: string,
): Generator<Addressed> {
  let watermark = Number.NEGATIVE_INFINITY
  let gaps = 0
  for (const signal of signals) {
    if (watermark !== Number.NEGATIVE_INFINITY && signal.time - watermark > maxGapUs) {
      gaps++
      yield { to: 'all', msg: { v: 1, kind: 'clock', time: watermark, suspendBefore: signal.time } }
    }
    watermark = Math.max(watermark, signal.time)
    const to = partitionOf(signal.pod.namespace, signal.pod.name, partitions)
    yield { to, msg: { v: 1, kind: 'signal', clock: watermark, signal } }
  }
  const time = watermark === Number.NEGATIVE_INFINITY ? 0 : watermark
  yield { to: 'all', msg: { v: 1, kind: 'clock', time, end: true, run } }
  return gaps
}

const enc = new TextEncoder()

/**
 * Publishes the sequence durably in chunks, in order, numbering each partition's messages
 * (`seq`); returns the number of observation gaps. With `local`, each message also carries the
 * object its bytes encode (`LOCAL_VALUE`), which the embedded bus hands to in-process hosts.
 */
export async function publishReplay(
  bus: Bus,
  channel: SignalChannel,
  seq: Generator<Addressed, number>,
  partitions: number,
  run: string,
  local = true,
): Promise<{ gaps: number; lastSeq: number[] }> {
  let chunk: OutMessage[] = []
  let n = 0
  const seqs: number[] = []
  const subjects = Array.from({ length: partitions }, (_, p) => channel.subjectOf(p))
  const everyone = subjects.map((_, p) => p)
  const flush = async () => {
    if (chunk.length === 0) return
    // A bus restart mid-replay: publish again (message ids make repeats harmless), for up to 60 s.
    for (let attempt = 0; ; attempt++) {
      try {
        await bus.publish(chunk)
        break
      } catch (err: unknown) {
        if (!(err instanceof BusUnavailableError) || attempt >= 120) throw err
        await sleep(500)
      }
    }
    chunk = []
  }
  for (;;) {
    const next = seq.next()
    if (next.done) {
      await flush()
      return {
        gaps: next.value,
        lastSeq: Array.from({ length: partitions }, (_, p) => seqs[p] ?? 0),
      }
    }
    const { to, msg } = next.value
    const targets = to === 'all' ? everyone : [to]
    for (const p of targets) {
      const place = (seqs[p] ?? 0) + 1
      seqs[p] = place
      const out = { ...msg, seq: place }
      const subject = subjects[p] ?? channel.subjectOf(p)
      const msgId = `${run}:${n++}`
      chunk.push(
        local
          ? localMessage(subject, out, msgId)
          : { subject, data: enc.encode(JSON.stringify(out)), msgId },
      )
    }
    if (chunk.length >= 1000) await flush()
  }
}
