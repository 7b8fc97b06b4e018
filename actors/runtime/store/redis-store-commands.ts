import type { StoreKeys } from './keys.ts'
import { keySlot } from './redis-store-slots.ts'
import type { WriteOp } from './store.ts'

/** One single-key Redis command of a write batch: name, key, arguments. */
export type Command = [name: string, key: string, ...args: (string | number)[]]

/**
 * The Redis commands of one validated op. Every command touches exactly one key, so a batch can be
 * split by cluster slot. Rollup minutes (and the namespace set) expire `rollupTtlMs` after their
 * last increment.
 */
export function toCommands(op: WriteOp, k: StoreKeys, rollupTtlMs: number): Command[] {
  switch (op.op) {
    case 'state': {
      const key = k.pod(op.uid)
      // A plain SET also drops an earlier TTL: a pod that is live again keeps its state.
      return [op.ttlMs === null ? ['set', key, op.json] : ['set', key, op.json, 'PX', op.ttlMs]]
    }
    case 'name':
      return [['zadd', k.name(op.namespace, op.name), op.createdUs, op.uid]]
    case 'keepName':
      return [['pexpire', k.name(op.namespace, op.name), op.ttlMs]]
    case 'slo': {
      const all = k.slo(op.type)
      const ns = k.sloNs(op.type, op.namespace)
      const out: Command[] = [
        ['zadd', all, op.finishedUs, op.uid],
        ['zadd', ns, op.finishedUs, op.uid],
      ]
      if (op.retainMs === undefined) return out
      const before = `(${op.finishedUs - op.retainMs * 1000}`
      out.push(['zremrangebyscore', all, '-inf', before], ['zremrangebyscore', ns, '-inf', before])
      out.push(['pexpire', ns, op.retainMs])
      return out
    }
    case 'rollup': {
      const fields = Object.entries(op.fields)
      if (fields.length === 0) return []
      const key = k.roll(op.type, op.namespace, op.minute)
      const nsKey = k.rollNamespaces(op.type)
      return [
        ...fields.map(([name, n]): Command => ['hincrby', key, name, n]),
        ['pexpire', key, rollupTtlMs],
        ['sadd', nsKey, op.namespace],
        ['pexpire', nsKey, rollupTtlMs],
      ]
    }
    case 'alarm': {
      const key = k.alarm(op.partition)
      return [op.at === null ? ['zrem', key, op.uid] : ['zadd', key, op.at, op.uid]]
    }
    case 'meta': {
      const key = k.meta(op.key)
      if (op.value === null) return [['del', key]]
      return [
        op.ttlMs === undefined ? ['set', key, op.value] : ['set', key, op.value, 'PX', op.ttlMs],
      ]
    }
    case 'member': {
      const key = k.members(op.partition)
      const out: Command[] = [['zadd', key, op.atMs, op.uid]]
      if (op.retainMs === undefined) return out
      // As a state's TTL: gone once `retainMs` have passed since its last write.
      out.push(['zremrangebyscore', key, '-inf', op.atMs - op.retainMs])
      return out
    }
    case 'forget':
      return [
        ['del', k.pod(op.uid)],
        ['zrem', k.alarm(op.partition), op.uid],
        ['zrem', k.members(op.partition), op.uid],
      ]
    case 'moveAside':
      return [
        ['set', k.podCorrupt(op.uid), op.json, 'PX', op.ttlMs],
        ['del', k.pod(op.uid)],
      ]
    case 'fence':
      // Checked and set by the fenced-write script (redis-store-fence.ts), not a plain command.
      return []
  }
}

/** Splits commands by cluster slot, keeping their order within each slot. */
export function bySlot(commands: readonly Command[]): Command[][] {
  const groups = new Map<number, Command[]>()
  for (const command of commands) {
    const slot = keySlot(command[1])
    const group = groups.get(slot)
    if (group) group.push(command)
    else groups.set(slot, [command])
  }
  return [...groups.values()]
}
