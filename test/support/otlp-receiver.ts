import { once } from 'node:events'
import { createServer } from 'node:http'
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import { dirname, join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import protobuf from 'protobufjs'

/** The official OTLP .proto files, as shipped in an npm package (no hand parsing). */
const PROTO_DIR = join(
  dirname(
    createRequire(import.meta.url).resolve('@opentelemetry/otlp-grpc-exporter-base/package.json'),
  ),
  'build/protos',
)

function loadRequestType(): protobuf.Type {
  const root = new protobuf.Root()
  root.resolvePath = (_origin, target) => join(PROTO_DIR, target)
  root.loadSync('opentelemetry/proto/collector/trace/v1/trace_service.proto', { keepCase: false })
  return root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest')
}

/** One span as received, decoded from ExportTraceServiceRequest. Times are ns since the epoch. */
export interface ReceivedSpan {
  traceId: string
  spanId: string
  /** '' for a root span. */
  parentSpanId: string
  name: string
  startNanos: bigint
  endNanos: bigint
  attributes: Record<string, unknown>
  events: { name: string; timeNanos: bigint; attributes: Record<string, unknown> }[]
  status: { code: number; message: string }
  resource: Record<string, unknown>
  scope: string
}

interface AnyValue {
  stringValue?: string
  boolValue?: boolean
  intValue?: string
  doubleValue?: number
  arrayValue?: { values?: AnyValue[] }
}
interface KeyValue {
  key: string
  value?: AnyValue
}

function anyValue(v: AnyValue | undefined): unknown {
  if (!v) return undefined
  if (v.stringValue !== undefined) return v.stringValue
  if (v.boolValue !== undefined) return v.boolValue
  if (v.intValue !== undefined) return Number(v.intValue)
  if (v.doubleValue !== undefined) return v.doubleValue
  if (v.arrayValue) return (v.arrayValue.values ?? []).map(anyValue)
  return undefined
}

function attrs(list: KeyValue[] | undefined): Record<string, unknown> {
  return Object.fromEntries((list ?? []).map((kv) => [kv.key, anyValue(kv.value)]))
}

const hex = (b: Uint8Array | undefined) => Buffer.from(b ?? []).toString('hex')

interface DecodedRequest {
  resourceSpans?: {
    resource?: { attributes?: KeyValue[] }
    scopeSpans?: {
      scope?: { name?: string }
      spans?: {
        traceId: Uint8Array
        spanId: Uint8Array
        parentSpanId?: Uint8Array
        name: string
        startTimeUnixNano: string
        endTimeUnixNano: string
        attributes?: KeyValue[]
        events?: { name: string; timeUnixNano: string; attributes?: KeyValue[] }[]
        status?: { code?: number; message?: string }
      }[]
    }[]
  }[]
}

/** Decodes an OTLP/HTTP protobuf trace export body into spans. */
export function decodeTraceRequest(type: protobuf.Type, body: Uint8Array): ReceivedSpan[] {
  const msg = type.toObject(type.decode(body), { longs: String, enums: Number }) as DecodedRequest
  const out: ReceivedSpan[] = []
  for (const rs of msg.resourceSpans ?? []) {
    const resource = attrs(rs.resource?.attributes)
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        out.push({
          traceId: hex(s.traceId),
          spanId: hex(s.spanId),
          parentSpanId: hex(s.parentSpanId),
          name: s.name,
          startNanos: BigInt(s.startTimeUnixNano),
          endNanos: BigInt(s.endTimeUnixNano),
          attributes: attrs(s.attributes),
          events: (s.events ?? []).map((e) => ({
            name: e.name,
            timeNanos: BigInt(e.timeUnixNano),
            attributes: attrs(e.attributes),
          })),
          status: { code: s.status?.code ?? 0, message: s.status?.message ?? '' },
          resource,
          scope: ss.scope?.name ?? '',
        })
      }
    }
  }
  return out
}

/** A test OTLP/HTTP trace receiver on 127.0.0.1, port 0. */
export interface OtlpReceiver {
  /** Base endpoint, for `OTEL_EXPORTER_OTLP_ENDPOINT` (the receiver serves `/v1/traces`). */
  endpoint: string
  spans: ReceivedSpan[]
  /** Requests accepted, and rejected (bad path, method or body). */
  requests: number
  rejected: number
  close(): Promise<void>
}

/** Starts a receiver that accepts POST /v1/traces (protobuf, optionally gzip) and keeps the spans. */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const type = loadRequestType()
  const receiver: OtlpReceiver = {
    endpoint: '',
    spans: [],
    requests: 0,
    rejected: 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/traces') {
        receiver.rejected++
        res.writeHead(404).end()
        return
      }
      try {
        let body = Buffer.concat(chunks)
        if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body)
        receiver.spans.push(...decodeTraceRequest(type, body))
        receiver.requests++
        // An empty ExportTraceServiceResponse encodes to zero bytes.
        res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end()
      } catch (err: unknown) {
        receiver.rejected++
        res.writeHead(400).end(String(err))
      }
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  receiver.endpoint = `http://127.0.0.1:${port}`
  return receiver
}
