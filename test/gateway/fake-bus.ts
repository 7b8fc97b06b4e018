import { BusUnavailableError } from '../../actors/runtime/bus/bus.ts'
import type { GatewayBus, GatewayLog, GatewayMessage } from '../../gateway/ports.ts'
import { unbatch } from '../support/unbatch.ts'

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
  /** While set, publishes and requests wait for it (to hold requests in flight). */
  gate: Promise<void> | undefined
  /** Publishes and requests currently waiting at the gate. */
  waiting = 0
  /** What `maxPayload()` reports (the port's optional method); absent: not reported. */
  reportedMaxPayload: number | undefined
  onRequest: (subject: string, body: unknown) => Promise<unknown> = async () => {
    throw new Error('fake bus: no request handler set')
  }

  async publish(messages: readonly GatewayMessage[]): Promise<void> {
    await this.#pass()
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
    await this.#pass()
    const reply = await this.onRequest(subject, body)
    return new TextEncoder().encode(typeof reply === 'string' ? reply : JSON.stringify(reply))
  }

  async #pass(): Promise<void> {
    if (!this.gate) return
    this.waiting++
    try {
      await this.gate
    } finally {
      this.waiting--
    }
  }

  /** Resolves once `n` publishes or requests wait at the gate (fails after 5 s). */
  async untilWaiting(n: number): Promise<void> {
    const deadline = Date.now() + 5000
    while (this.waiting < n) {
      if (Date.now() > deadline) throw new Error(`fake bus: ${this.waiting} of ${n} waiting`)
      await new Promise((r) => setTimeout(r, 5))
    }
  }

  maxPayload(): number | undefined {
    return this.reportedMaxPayload
  }

  /**
   * Every published signal, one message each, across calls (source watermarks left out): batch
   * messages are expanded into the single envelopes they carry (`unbatch`).
   */
  get messages(): GatewayMessage[] {
    return unbatch(
      this.publishes.flat().filter((m) => !m.msgId?.startsWith('wm:')),
    ) as GatewayMessage[]
  }

  /** The signal messages as published (a `batch` message per partition of a webhook batch). */
  get sent(): GatewayMessage[] {
    return this.publishes.flat().filter((m) => !m.msgId?.startsWith('wm:'))
  }

  /** Every published source watermark message (protocol/watermark.ts), across calls. */
  get watermarks(): GatewayMessage[] {
    return this.publishes.flat().filter((m) => m.msgId?.startsWith('wm:'))
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
