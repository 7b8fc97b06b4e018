import { BusUnavailableError } from '../../actors/runtime/bus/bus.ts'
import type { GatewayBus, GatewayLog, GatewayMessage } from '../../gateway/ports.ts'

/**
 * An in-memory fake bus for gateway unit tests: records every publish call, can be switched
 * "down" (publish rejects with the real BusUnavailableError), and answers requests through a
 * test-supplied handler.
 */
export class FakeBus implements GatewayBus {
  /** One entry per publish call, in order. */
  readonly publishes: GatewayMessage[][] = []
  /** Every request made: subject and decoded JSON body. */
  readonly requests: { subject: string; body: unknown; timeoutMs: number }[] = []
  down = false
  /**
   * Like nats-server's `max_payload` (headers + data): a publish with a bigger message rejects
   * with BusUnavailableError, as NatsBus does. Absent: no limit.
   */
  enforcedMaxPayload: number | undefined
  /** What `maxPayload()` reports (the port's optional method); absent: not reported. */
  reportedMaxPayload: number | undefined
  onRequest: (subject: string, body: unknown) => Promise<unknown> = async () => {
    throw new Error('fake bus: no request handler set')
  }

  async publish(messages: readonly GatewayMessage[]): Promise<void> {
    if (this.down) throw new BusUnavailableError('fake bus: down')
    const limit = this.enforcedMaxPayload
    const header = (m: GatewayMessage) => 32 + (m.msgId?.length ?? 0)
    if (limit !== undefined && messages.some((m) => m.data.byteLength + header(m) > limit)) {
      throw new BusUnavailableError("fake bus: 'payload' max_payload size exceeded")
    }
    this.publishes.push([...messages])
  }

  async request(subject: string, data: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
    const body: unknown = JSON.parse(new TextDecoder().decode(data))
    this.requests.push({ subject, body, timeoutMs })
    const reply = await this.onRequest(subject, body)
    return new TextEncoder().encode(typeof reply === 'string' ? reply : JSON.stringify(reply))
  }

  maxPayload(): number | undefined {
    return this.reportedMaxPayload
  }

  /** Every published message, across calls. */
  get messages(): GatewayMessage[] {
    return this.publishes.flat()
  }
}

/** A logger that keeps what it was told, to check what (and what not) was logged. */
export function memoryLog(): GatewayLog & { lines: { level: string; obj: object; msg: string }[] } {
  const lines: { level: string; obj: object; msg: string }[] = []
  return {
    lines,
    info: (obj, msg) => lines.push({ level: 'info', obj, msg }),
    warn: (obj, msg) => lines.push({ level: 'warn', obj, msg }),
    error: (obj, msg) => lines.push({ level: 'error', obj, msg }),
  }
}
