#!/usr/bin/env node
import { actorsMain } from '../actors/main.ts'
import { replayCommand } from './replay/command.ts'

const USAGE = `lunettes: container lifecycle observability for Kubernetes

Usage: lunettes <role> [options]

Roles:
  replay    reconstruct pod lifecycles from recorded audit logs, Events and Pods into
            per-pod reports (JSON lines); no servers needed. 'lunettes replay --help'.
  all       every live role in one process (embedded bus and store unless NATS_URL/REDIS_URL)
  actors    actor host for its partitions plus the query service
  gateway   audit webhook, query API, UI and /metrics
  collect   Kubernetes watch collector and/or audit log tail

Run 'lunettes <role> --help' for a role's options.
`

const NOT_YET = new Set(['gateway', 'collect'])

async function main(argv: string[]): Promise<number> {
  const [role, ...rest] = argv
  if (role === undefined || role === '--help' || role === '-h' || role === 'help') {
    process.stdout.write(USAGE)
    return role === undefined ? 2 : 0
  }
  if (role === 'replay') return replayCommand(rest)
  // `all` runs every role this build has in one process; today: actor hosts and queries.
  if (role === 'actors' || role === 'all') return actorsMain(rest, process.env)
  if (NOT_YET.has(role)) {
    process.stderr.write(`lunettes ${role}: not part of this build yet (see the project issues)\n`)
    return 2
  }
  process.stderr.write(`lunettes: unknown role '${role}'\n\n${USAGE}`)
  return 2
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (err: unknown) => {
    process.stderr.write(`lunettes: ${err instanceof Error ? err.message : String(err)}\n`)
    process.exitCode = 1
  },
)
