#!/usr/bin/env node
import { collectMain } from '../actors/collectors/main.ts'
import { actorsMain } from '../actors/main.ts'
import { replayCommand } from './replay/command.ts'
import { allMain, gatewayMain } from './roles.ts'

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

async function main(argv: string[]): Promise<number> {
  const [role, ...rest] = argv
  if (role === undefined || role === '--help' || role === '-h' || role === 'help') {
    process.stdout.write(USAGE)
    return role === undefined ? 2 : 0
  }
  if (role === 'replay') return replayCommand(rest)
  if (role === 'actors') return actorsMain(rest, process.env)
  if (role === 'gateway') return gatewayMain(rest, process.env)
  if (role === 'collect') return collectMain(rest, process.env)
  if (role === 'all') return allMain(rest, process.env)
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
