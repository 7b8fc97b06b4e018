import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { parseArgs } from 'node:util'
import { gzipSync } from 'node:zlib'
import { generateSample } from './generate.ts'

/**
 * Writes the sample cluster's audit log:
 * `node dist/tools/sample/write-sample.js [--seed 7] [--pods 300] [--output examples/sample-cluster.audit.jsonl.gz]`
 * (gzip when the name ends in `.gz`: replay reads it as it is, and the repository stays small).
 */
const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: '7' },
    pods: { type: 'string', default: '300' },
    output: { type: 'string', default: 'examples/sample-cluster.audit.jsonl.gz' },
  },
})
const { lines, stories } = generateSample({ seed: Number(values.seed), pods: Number(values.pods) })
mkdirSync(dirname(values.output), { recursive: true })
const text = lines.map((l) => `${JSON.stringify(l)}\n`).join('')
writeFileSync(values.output, values.output.endsWith('.gz') ? gzipSync(text, { level: 9 }) : text)
const by: Record<string, number> = {}
for (const s of stories) by[s.scenario] = (by[s.scenario] ?? 0) + 1
process.stdout.write(
  `wrote ${lines.length} audit events for ${stories.length} pods to ${values.output}: ${JSON.stringify(by)}\n`,
)
