import type { Bus } from './bus/bus.ts'
import { EmbeddedBus } from './bus/embedded-bus.ts'
import { NatsBus } from './bus/nats-bus.ts'
import { MemoryStore } from './store/memory-store.ts'
import { RedisStore } from './store/redis-store.ts'
import type { Store } from './store/store.ts'

export interface BackendOptions {
  /** `nats://…` (comma-separated for a cluster); absent: the embedded in-process bus. */
  natsUrl?: string | undefined
  /** `redis://…`; absent: the embedded in-memory store. */
  redisUrl?: string | undefined
  /** Store key prefix (default `lunettes:`). */
  storePrefix?: string | undefined
  log?: { warn(obj: object, msg: string): void }
}

/** The bus and store a process runs on, and how to close them. */
export interface Backends {
  bus: Bus
  store: Store
  /** `embedded` or `nats`, and `memory` or `redis`: for logs and health. */
  kind: { bus: 'embedded' | 'nats'; store: 'memory' | 'redis' }
  close(): Promise<void>
}

/**
 * Opens the bus and the store: NATS and Redis when URLs are given, else the embedded ones (every
 * role in one process, no server needed).
 */
export async function openBackends(opts: BackendOptions): Promise<Backends> {
  const bus = opts.natsUrl
    ? await NatsBus.connect(
        opts.natsUrl.split(','),
        opts.log ? { name: 'lunettes', log: opts.log } : { name: 'lunettes' },
      )
    : // One process: nobody reads a signal after its partition acknowledged it.
      new EmbeddedBus({ dropAcked: true })
  const store = opts.redisUrl
    ? RedisStore.connect(opts.redisUrl, opts.storePrefix)
    : new MemoryStore(opts.storePrefix ? { prefix: opts.storePrefix } : {})
  return {
    bus,
    store,
    kind: { bus: opts.natsUrl ? 'nats' : 'embedded', store: opts.redisUrl ? 'redis' : 'memory' },
    async close() {
      await bus.close()
      await store.close()
    },
  }
}
