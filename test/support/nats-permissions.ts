/**
 * The subject permission sets of docs/NATS-PERMISSIONS.md as a nats-server `authorization` block:
 * the integration tests run the pipeline with exactly these, so the document cannot drift.
 */

const JS = '$JS.API'
/** The streams every role may create or align at start (`ensureChannel`). */
const CHANNEL_STREAMS = ['LUNETTES_SIGNALS', 'LUNETTES_ALERTS']

const ensureStreams = (streams: readonly string[]) =>
  streams.flatMap((s) => [
    `${JS}.STREAM.INFO.${s}`,
    `${JS}.STREAM.CREATE.${s}`,
    `${JS}.STREAM.UPDATE.${s}`,
  ])

/** A KV bucket's subjects a lease holder needs (open, read, conditional writes). */
const kvBucket = (bucket: string) => [
  ...ensureStreams([`KV_${bucket}`]),
  `${JS}.DIRECT.GET.KV_${bucket}.>`,
  `${JS}.STREAM.MSG.GET.KV_${bucket}`,
  `$KV.${bucket}.>`,
]

/** Reading the durable alert stream with ordered ephemeral consumers (the gateway's SSE). */
const alertTail = [
  `${JS}.CONSUMER.CREATE.LUNETTES_ALERTS`,
  `${JS}.CONSUMER.CREATE.LUNETTES_ALERTS.>`,
  `${JS}.CONSUMER.INFO.LUNETTES_ALERTS.*`,
  `${JS}.CONSUMER.DELETE.LUNETTES_ALERTS.*`,
  `${JS}.CONSUMER.MSG.NEXT.LUNETTES_ALERTS.*`,
  '$JS.FC.>',
]

/** Publish and subscribe allow-lists per role. */
export const NATS_PERMISSIONS = {
  gateway: {
    publish: [
      `${JS}.INFO`,
      ...ensureStreams(CHANNEL_STREAMS),
      'lunettes.signals.*',
      'lunettes.query.>',
      // The SSE alert stream: one ordered, ephemeral consumer per browser session.
      ...alertTail,
    ],
    subscribe: ['_INBOX.>'],
  },
  collector: {
    publish: [
      `${JS}.INFO`,
      ...ensureStreams(CHANNEL_STREAMS),
      'lunettes.signals.*',
      ...kvBucket('lunettes-collector-leases'),
    ],
    subscribe: ['_INBOX.>'],
  },
  actors: {
    publish: [
      `${JS}.INFO`,
      ...ensureStreams(CHANNEL_STREAMS),
      `${JS}.STREAM.PURGE.LUNETTES_SIGNALS`,
      `${JS}.CONSUMER.INFO.LUNETTES_SIGNALS.*`,
      `${JS}.CONSUMER.CREATE.LUNETTES_SIGNALS.>`,
      `${JS}.CONSUMER.DURABLE.CREATE.LUNETTES_SIGNALS.*`,
      `${JS}.CONSUMER.MSG.NEXT.LUNETTES_SIGNALS.*`,
      '$JS.ACK.LUNETTES_SIGNALS.>',
      'lunettes.alerts.>',
      // Poison isolation: the dead-letter stream and its subjects.
      ...ensureStreams(['LUNETTES_DEADLETTER']),
      'lunettes.deadletter.*',
      ...kvBucket('lunettes-leases'),
      // Query replies go to the requester's inbox.
      '_INBOX.>',
    ],
    subscribe: ['_INBOX.>', 'lunettes.query.>'],
  },
} as const

export type NatsRole = keyof typeof NATS_PERMISSIONS

/** The `authorization { users = [...] }` block: one user per role with its password. */
export function natsAuthorizationConf(passwords: Record<NatsRole, string>): string {
  const list = (xs: readonly string[]) => `[${xs.map((x) => JSON.stringify(x)).join(', ')}]`
  const users = (Object.keys(NATS_PERMISSIONS) as NatsRole[]).map((role) => {
    const p = NATS_PERMISSIONS[role]
    return `    { user: ${JSON.stringify(role)}, password: ${JSON.stringify(passwords[role])}, permissions: { publish: { allow: ${list(p.publish)} }, subscribe: { allow: ${list(p.subscribe)} } } }`
  })
  return `authorization {\n  users = [\n${users.join(',\n')}\n  ]\n}\n`
}
