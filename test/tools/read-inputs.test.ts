import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { after, describe, it } from 'node:test'
import { gzipSync } from 'node:zlib'
import { parseTime } from '../../protocol/time.ts'
import { type InputRecord, readInputFile } from '../../tools/replay/read-inputs.ts'

const REAL = '/work/shared/realdata'
const dir = mkdtempSync(join(tmpdir(), 'lunettes-read-inputs-'))
after(() => rmSync(dir, { recursive: true, force: true }))

async function read(path: string): Promise<InputRecord[]> {
  const out: InputRecord[] = []
  for await (const r of readInputFile(path)) out.push(r)
  return out
}

function temp(name: string, content: string | Buffer): string {
  const path = join(dir, name)
  writeFileSync(path, content)
  return path
}

const kinds = (records: readonly InputRecord[]): Record<string, number> => {
  const out: Record<string, number> = {}
  for (const r of records) out[r.kind] = (out[r.kind] ?? 0) + 1
  return out
}

const lines = (path: string): string[] => readFileSync(path, 'utf8').split('\n').filter(Boolean)
const value = (r: InputRecord | undefined): unknown => (r && 'value' in r ? r.value : undefined)
const error = (r: InputRecord | undefined): string => (r && 'error' in r ? r.error : '')
/** `line:kind` of each record, space-separated. */
const tags = (records: readonly InputRecord[]): string =>
  records.map((r) => `${r.line}:${r.kind}`).join(' ')

const realFiles: readonly [string, Record<string, number>][] = [
  ['events/openshift-ci-metal-2021-09-14.events.jsonl', { 'k8s-event': 5171 }],
  ['events/openshift-ci-vsphere-2021-09-14.events.jsonl', { 'k8s-event': 5230 }],
  ['events/openshift-ci-metal-2021-09-14.pods.jsonl', { pod: 235 }],
  ['events/openshift-ci-vsphere-2021-09-14.pods.jsonl', { pod: 248 }],
  ['events/kspan-kind-deployment-2-pods.yaml', { 'k8s-event': 19, other: 3, pod: 4 }],
  ['audit/falco-minikube-2018-pod-events.jsonl', { audit: 15 }],
  ['audit/audit2rbac-demo.log', { audit: 37 }],
  ['audit/khi-gke/container_recorder_test_1_1.yaml', { gke: 1 }],
  ['audit/khi-gke/container_recorder_test_1_2.yaml', { gke: 1 }],
  ['audit/khi-gke/container_recorder_test_1_1_manifest.yaml', { pod: 1 }],
  ['audit/khi-gke/container_recorder_test_1_3_manifest.yaml', { pod: 1 }],
]

describe('readInputFile on the real files', () => {
  for (const [file, expected] of realFiles) {
    it(`${basename(file)}: ${JSON.stringify(expected)}`, async () => {
      assert.deepEqual(kinds(await read(join(REAL, file))), expected)
    })
  }

  it('numbers JSON lines from 1 and keeps each object as it is', async () => {
    const path = join(REAL, 'events/openshift-ci-metal-2021-09-14.events.jsonl')
    const records = await read(path)
    const raw = lines(path)
    assert.deepEqual(
      records.map((r) => r.line),
      raw.map((_, i) => i + 1),
    )
    assert.deepEqual(value(records[4]), JSON.parse(raw[4] ?? ''))
    assert.ok(records.every((r) => r.file === path && !('observedAt' in r)))
  })

  it('takes observedAt from kspan comments and points at the first content line', async () => {
    const records = await read(join(REAL, 'events/kspan-kind-deployment-2-pods.yaml'))
    assert.equal(records.length, 26)
    const [first] = records
    assert.equal(first?.kind, 'k8s-event')
    assert.equal(first?.line, 3)
    assert.ok(first && 'observedAt' in first)
    assert.equal(first.observedAt, parseTime('2021-05-19T09:42:58.640117041Z')?.time)
    const pods = records.filter((r) => r.kind === 'pod')
    assert.deepEqual(
      pods.map((r) => r.line),
      [359, 785, 1284, 1768],
    )
    assert.ok(records.every((r) => 'observedAt' in r && typeof r.observedAt === 'number'))
  })

  it('reads a single YAML document after a licence header (GKE entry)', async () => {
    const [r] = await read(join(REAL, 'audit/khi-gke/container_recorder_test_1_1.yaml'))
    assert.equal(r?.line, 15)
    assert.equal(r && 'observedAt' in r, false)
    const entry = value(r) as { protoPayload: { methodName: string }; timestamp: string }
    assert.equal(entry.protoPayload.methodName, 'io.k8s.core.v1.pods.create')
    assert.equal(entry.timestamp, '2024-01-01T01:00:00Z', 'timestamps stay strings')
  })
})

describe('readInputFile: gzip', () => {
  for (const file of [
    'events/openshift-ci-vsphere-2021-09-14.events.jsonl',
    'events/kspan-kind-deployment-2-pods.yaml',
  ]) {
    it(`a .gz of ${basename(file)} gives identical records`, async () => {
      const plain = await read(join(REAL, file))
      const gz = temp(`${basename(file)}.gz`, gzipSync(readFileSync(join(REAL, file))))
      const zipped = await read(gz)
      assert.deepEqual(
        zipped.map((r) => ({ ...r, file: '' })),
        plain.map((r) => ({ ...r, file: '' })),
      )
    })
  }

  it('is detected by content, not name; corrupt data ends the file with one malformed record', async () => {
    const body = Buffer.from(lines(join(REAL, 'audit/audit2rbac-demo.log')).join('\n'))
    const gz = gzipSync(body)
    assert.equal((await read(temp('renamed.log', gz))).length, 37)
    const records = await read(temp('truncated.gz', gz.subarray(0, Math.floor(gz.length / 2))))
    const last = records.at(-1)
    assert.equal(last?.kind, 'malformed')
    assert.match(error(last), /^corrupt gzip data: .*the rest of the file is not read$/)
    assert.ok(records.slice(0, -1).every((r) => r.kind === 'audit'))
  })
})

describe('readInputFile: lists and documents', () => {
  const audit = lines(join(REAL, 'audit/audit2rbac-demo.log')).map((l) => JSON.parse(l))
  const pods = lines(join(REAL, 'events/openshift-ci-metal-2021-09-14.pods.jsonl')).map((l) =>
    JSON.parse(l),
  )
  const batch = { kind: 'EventList', apiVersion: 'audit.k8s.io/v1', metadata: {}, items: audit }

  it('expands an audit EventList, pretty-printed or on one line', async () => {
    for (const text of [JSON.stringify(batch, null, 2), JSON.stringify(batch)]) {
      const records = await read(temp('batch.json', text))
      assert.deepEqual(kinds(records), { audit: 37 })
      assert.deepEqual(value(records[36]), audit[36])
    }
  })

  it('gives list items without kind/apiVersion those of the list (raw API lists)', async () => {
    const items = pods.slice(0, 3).map(({ kind: _k, apiVersion: _v, ...rest }) => rest)
    const records = await read(
      temp('pods.json', JSON.stringify({ kind: 'PodList', apiVersion: 'v1', items }, null, 1)),
    )
    assert.deepEqual(kinds(records), { pod: 3 })
    assert.deepEqual(value(records[0]), { apiVersion: 'v1', kind: 'Pod', ...items[0] })
    const bare = audit.slice(0, 2).map(({ kind: _k, apiVersion: _v, ...rest }) => rest)
    const list = await read(temp('bare.json', JSON.stringify({ ...batch, items: bare }, null, 2)))
    assert.deepEqual(kinds(list), { audit: 2 })
  })

  it('reads a JSON array and names bad items by index', async () => {
    const records = await read(
      temp('array.json', JSON.stringify([pods[0], 'oops', { kind: 'List', items: [7] }], null, 2)),
    )
    assert.deepEqual(
      records.map((r) => [r.kind, error(r)]),
      [
        ['pod', ''],
        ['malformed', '[1]: expected an object, got string'],
        ['malformed', '[2].items[0]: expected an object, got number'],
      ],
    )
  })

  it('reports a broken JSON document with the line of the error', async () => {
    const text = `{\n  "kind": "EventList",\n  "items": [\n    {"kind": "Event",}\n  ]\n}\n`
    const [r, ...rest] = await read(temp('broken.json', text))
    assert.equal(rest.length, 0)
    assert.equal(r?.kind, 'malformed')
    assert.equal(r?.line, 4)
    assert.match(error(r), /^invalid JSON: /)
  })

  it('reads multi-document YAML: bad documents are reported, the others kept', async () => {
    const text = [
      '# a comment',
      'kind: Pod',
      'metadata: {name: a}',
      '---',
      'kind: Event',
      'involvedObject: {kind: Pod, name: a}',
      'reason: [unclosed',
      '---',
      'just a string',
      '---',
      'kind: ReplicaSet',
      '---',
      '- {kind: Pod, metadata: {name: b}}',
      '- 7',
      '---',
      '',
    ].join('\n')
    const records = await read(temp('multi.yaml', text))
    // Line 8 is where the parser found the unclosed `[`; a sequence's items share its line.
    assert.equal(tags(records), '2:pod 8:malformed 9:malformed 11:other 13:pod 13:malformed')
    assert.equal(error(records[5]), '[1]: expected an object, got number')
    assert.match(error(records[1]), /^invalid YAML: /)
    assert.equal(error(records[2]), 'expected an object, got string')
  })
})

describe('readInputFile: managed-cluster wrappers', () => {
  const raw = lines(join(REAL, 'audit/falco-minikube-2018-pod-events.jsonl'))
  const events = raw.map((l) => JSON.parse(l))
  const eks = (m: string) => ({
    logStreamName: 'kube-apiserver-audit-0a1b',
    timestamp: 1540560166000,
    message: m,
  })
  const aks = (log: string) => ({
    category: 'kube-audit',
    operationName: 'Microsoft.ContainerService/managedClusters/diagnosticLogs/Read',
    properties: { log, stream: 'stdout', pod: 'kube-apiserver-5d9' },
  })

  it('unwraps EKS CloudWatch and AKS diagnostic records to the audit event', async () => {
    const text = [
      JSON.stringify(eks(raw[4] ?? '')),
      JSON.stringify(aks(raw[5] ?? '')),
      JSON.stringify({
        messageType: 'DATA_MESSAGE',
        logEvents: [eks(raw[9] ?? ''), eks(raw[10] ?? '')],
      }),
      JSON.stringify({ records: [aks(raw[11] ?? '')] }),
      JSON.stringify(eks('{"kind":"Event", broken')),
      JSON.stringify(eks('plain text log line')),
    ].join('\n')
    const records = await read(temp('wrapped.jsonl', text))
    assert.equal(tags(records), '1:audit 2:audit 3:audit 3:audit 4:audit 5:malformed 6:other')
    assert.deepEqual(
      records.slice(0, 5).map(value),
      [4, 5, 9, 10, 11].map((i) => events[i]),
    )
    assert.match(error(records[5]), /^CloudWatch log event message: invalid JSON: /)
  })
})

describe('readInputFile: malformed input', () => {
  it('reports bad JSON lines with their numbers and skips blanks and comments', async () => {
    const [event] = lines(join(REAL, 'events/openshift-ci-metal-2021-09-14.events.jsonl'))
    const text = [
      event,
      '',
      '# exported 2021-09-14',
      'not json',
      '[1,2]',
      '42',
      '"str"',
      '{"kind":"Event"',
      `${event}\r`,
      'null',
      `  ${event}  `,
    ].join('\n')
    const records = await read(temp('bad.jsonl', text))
    const want = '1:k8s-event 4:malformed 5:malformed 6:malformed 7:malformed 8:malformed'
    assert.equal(tags(records), `${want} 9:k8s-event 10:malformed 11:k8s-event`)
    const errors = records.filter((r) => r.kind === 'malformed').map(error)
    assert.match(errors[0] ?? '', /^invalid JSON: /)
    assert.deepEqual(errors.slice(1, 4), [
      'expected a JSON object, got array',
      'expected a JSON object, got number',
      'expected a JSON object, got string',
    ])
    assert.match(errors[4] ?? '', /^invalid JSON: /)
    assert.equal(errors[5], 'expected a JSON object, got null')
  })

  it('reads an empty file as no records', async () => {
    assert.deepEqual(await read(temp('empty.jsonl', '')), [])
  })

  it('throws an Error naming a missing path or a directory', async () => {
    const missing = join(dir, 'nope.jsonl')
    await assert.rejects(read(missing), (err: Error) => err.message.includes(missing))
    await assert.rejects(read(dir), (err: Error) => err.message.includes(dir))
  })
})
