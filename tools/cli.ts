#!/usr/bin/env node

const USAGE = `lunettes: container lifecycle observability for Kubernetes

Usage: lunettes <role> [options]

Roles:
  replay    reconstruct pod lifecycles from recorded audit logs, Events and Pods into
            per-pod reports (JSON lines); no servers needed. 'lunettes replay --help'.
  all       every live role in one process (embedded bus and store unless NATS_URL/REDIS_URL)
  actors    actor host for its partitions plus the query service
  gateway   audit webhook, query API, UI and /metrics
  collect   Kubernetes watch collector and/or audit log tail

Client commands (against a running gateway; also 'kubectl lunettes ...'):
  debugpod  one pod's timeline, verdict and diagnosis: debugpod NAME -n NS [--json]
  debugslo  SLO counts, percentiles and the worst pods: debugslo -n NS --since 1h [--json]

Tools:
  deadletter  list or replay the signals isolated to the dead-letter stream (NATS_URL)
  loadgen     write a deterministic synthetic cluster's audit stream (benchmarks, trials)

Run 'lunettes <role> --help' for a role's options.
`

/**
 * Each command loads only its own module, so `lunettes --help` or a CLI client command does not
 * pay for every role's dependencies.
 */
const COMMANDS: Record<string, (args: string[]) => Promise<number>> = {
  replay: async (a) => (await import('./replay/command.ts')).replayCommand(a),
  actors: async (a) => (await import('../actors/main.ts')).actorsMain(a, process.env),
  gateway: async (a) => (await import('./roles.ts')).gatewayMain(a, process.env),
  collect: async (a) => (await import('../actors/collectors/main.ts')).collectMain(a, process.env),
  all: async (a) => (await import('./roles.ts')).allMain(a, process.env),
  loadgen: async (a) => (await import('./loadgen/main.ts')).loadgenCommand(a),
  debugpod: async (a) => (await import('./client/debugpod.ts')).debugpodCommand(a, process.env),
  debugslo: async (a) => (await import('./client/debugslo.ts')).debugsloCommand(a, process.env),
  deadletter: async (a) => (await import('./deadletter.ts')).deadletterCommand(a, process.env),
}

async function main(argv: string[]): Promise<number> {
  const [role, ...rest] = argv
  if (role === undefined || role === '--help' || role === '-h' || role === 'help') {
    process.stdout.write(USAGE)
    return role === undefined ? 2 : 0
  }
  const run = COMMANDS[role]
  if (run) return run(rest)
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
