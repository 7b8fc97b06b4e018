import type { Bus, StreamLimits, StreamStats } from './bus/bus.ts'
import { EmbeddedBus } from './bus/embedded-bus.ts'
import type { NatsSettings } from './bus/nats-auth.ts'
import { NatsBus } from './bus/nats-bus.ts'
import { redactUrl } from './redact-url.ts'
import { MemoryStore } from './store/memory-store.ts'
import type { RedisSettings } from './store/redis-connect.ts'
import { RedisStore } from './store/redis-store.ts'
import type { Store } from './store/store.ts'

export interface BackendOptions {
  /** `nats://…` (comma-separated for a cluster); absent: the embedded in-process bus. */
  natsUrl?: string | undefined
  /** Servers and credentials (from `natsSettings(env)`); takes precedence over `natsUrl`. */
  nats?: NatsSettings | undefined
  /** `redis://…`; absent: the embedded in-memory store. */
  redisUrl?: string | undefined
  /** Mode, servers and credentials (from `redisSettings(env)`); takes precedence over `redisUrl`. */
  redis?: RedisSettings | undefined
  /** Store key prefix (default `lunettes:`). */
  storePrefix?: string | undefined
  /** Stream caps and replicas for the bus in use (none given: streams as their specs say). */
  limits?: { readonly nats?: StreamLimits; readonly embedded?: StreamLimits } | undefined
  log?: { warn(obj: object, msg: string): void }
}

/** The bus and store a process runs on, and how to close them. */
export interface Backends {
  bus: Bus
  /** How full the bus's streams are (the same object as `bus`). */
  stats: StreamStats
  store: Store
  /** `embedded` or `nats`, and `memory` or `redis`: for logs and health. */
  kind: { bus: 'embedded' | 'nats'; store: 'memory' | 'redis' }
  /** Where they are, redacted, for the start log. */
  where: { bus: string; store: string }
  close(): Promise<void>
}

async function openBus(opts: BackendOptions): Promise<NatsBus | EmbeddedBus> {
  const servers = opts.nats?.servers ?? opts.natsUrl?.split(',')
  if (!servers || servers.length === 0) {
    // One process: nobody reads a signal after its partition acknowledged it.
    const limits = opts.limits?.embedded
    return new EmbeddedBus({ dropAcked: true, ...(limits ? { limits } : {}) })
  }
  const limits = opts.limits?.nats
  return NatsBus.connect(servers, {
    name: 'lunettes',
    ...(opts.log ? { log: opts.log } : {}),
    ...(opts.nats ? { auth: opts.nats.auth } : {}),
    ...(limits ? { limits } : {}),
  })
}

async function openStore(opts: BackendOptions): Promise<Store> {
  const prefix = opts.storePrefix
  const logger = opts.log ? { logger: opts.log } : {}
  if (opts.redis) return RedisStore.open(opts.redis, prefix, logger)
  if (opts.redisUrl) return RedisStore.connect(opts.redisUrl, prefix, logger)
  return new MemoryStore(prefix ? { prefix } : {})
}

/**
 * Opens the bus and the store: NATS and Redis when configured, else the embedded ones (every
 * role in one process, no server needed). A refused credential rejects, naming the server
 * (redacted), before anything else starts.
 */
export async function openBackends(opts: BackendOptions): Promise<Backends> {
  const bus = await openBus(opts)
  let store: Store
  try {
    store = await openStore(opts)
  } catch (err: unknown) {
    await bus.close()
    throw err
  }
  const nats = bus instanceof NatsBus
  const redis = store instanceof RedisStore
  const natsWhere = opts.nats?.servers.join(',') ?? opts.natsUrl ?? ''
  return {
    bus,
    stats: bus,
    store,
    kind: { bus: nats ? 'nats' : 'embedded', store: redis ? 'redis' : 'memory' },
    where: {
      bus: nats ? redactUrl(natsWhere) : 'embedded',
      store: opts.redis?.display ?? (opts.redisUrl ? redactUrl(opts.redisUrl) : 'memory'),
    },
    async close() {
      await bus.close()
      await store.close()
    },
  }
}
