import type { Cluster, Redis } from 'ioredis'
import { bySlot, type Command } from './redis-store-commands.ts'
import { keySlot } from './redis-store-slots.ts'
import { StoreConflictError, type WriteOp } from './store.ts'

/**
 * Checks the fence counter (KEYS[1]) against ARGV[1], sets it to ARGV[2], then runs the batch's
 * commands: each is ARGV `n, name, arg1..argn` with its key in the next KEYS slot. A script runs
 * atomically, so a stale owner's batch is refused whole, never half applied.
 */
const SCRIPT = `
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
if cur ~= tonumber(ARGV[1]) then
  return redis.error_reply('LUNETTES_FENCE ' .. cur)
end
redis.call('SET', KEYS[1], ARGV[2])
local a = 3
for k = 2, #KEYS do
  local n = tonumber(ARGV[a])
  redis.call(ARGV[a + 1], KEYS[k], unpack(ARGV, a + 2, a + 1 + n))
  a = a + 2 + n
end
return cur
`

type Fence = Extract<WriteOp, { op: 'fence' }>

/** Runs `commands` behind the fence in one script call (all in one slot on a cluster). */
async function evalFenced(
  redis: Redis | Cluster,
  fenceKey: string,
  fence: Fence,
  commands: readonly Command[],
): Promise<void> {
  const keys = [fenceKey, ...commands.map((c) => c[1])]
  const args: (string | number)[] = [fence.expect, fence.next]
  for (const [name, , ...rest] of commands) args.push(rest.length, name, ...rest)
  try {
    await redis.eval(SCRIPT, keys.length, ...keys, ...args)
  } catch (err: unknown) {
    const found = /LUNETTES_FENCE (\d+)/.exec(err instanceof Error ? err.message : '')
    if (found) throw new StoreConflictError(fence.partition, fence.expect, Number(found[1]))
    throw err
  }
}

/**
 * A fenced batch. On one Redis node it is a single script: check, bump and every write, atomic.
 * On a cluster a script must stay in one slot: the fence's slot (the partition's alarms and
 * members) goes first as the script, the other slots follow as MULTI/EXEC only if it passed. A
 * stale owner is still refused before it writes anything; what a cluster cannot give is one
 * atomic batch across slots (as for unfenced batches there).
 */
export async function writeFenced(
  redis: Redis | Cluster,
  fenceKey: string,
  fence: Fence,
  commands: readonly Command[],
  multi: (batch: Command[]) => Promise<void>,
): Promise<void> {
  if (!redis.isCluster) return evalFenced(redis, fenceKey, fence, commands)
  const slot = keySlot(fenceKey)
  const inSlot = commands.filter((c) => keySlot(c[1]) === slot)
  const rest = commands.filter((c) => keySlot(c[1]) !== slot)
  await evalFenced(redis, fenceKey, fence, inSlot)
  await Promise.all(bySlot(rest).map(multi))
}
