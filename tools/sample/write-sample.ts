import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { parseArgs } from 'node:util'
import { generateSample } from './generate.ts'

/**
 * Writes the sample cluster's audit log:
 * `node dist/tools/sample/write-sample.js [--seed 7] [--pods 120] [--output examples/sample-cluster.audit.jsonl]`.
 */
const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: '7' },
    pods: { type: 'string', default: '120' },
    output: { type: 'string', default: 'examples/sample-cluster.audit.jsonl' },
  },
})
const { lines, stories } = generateSample({ seed: Number(values.seed), pods: Number(values.pods) })
mkdirSync(dirname(values.output), { recursive: true })
writeFileSync(values.output, lines.map((l) => `${JSON.stringify(l)}\n`).join(''))
const by: Record<string, number> = {}
for (const s of stories) by[s.scenario] = (by[s.scenario] ?? 0) + 1
process.stdout.write(
  `wrote ${lines.length} audit events for ${stories.length} pods to ${values.output}: ${JSON.stringify(by)}\n`,
)
