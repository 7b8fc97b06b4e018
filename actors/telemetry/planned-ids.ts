/** Random lowercase hex of `bytes` bytes (Web Crypto, available on every runtime we target). */
function randomHex(bytes: number): string {
  const buf = crypto.getRandomValues(new Uint8Array(bytes))
  return Array.from(buf, (b) => b.toString(16).padStart(2, '0')).join('')
}

/**
 * An id generator (structurally the SDK's `IdGenerator`) that hands out the ids a span plan
 * fixed: `next(traceId, spanId)` right before `tracer.startSpan`, which is synchronous, so the SDK
 * takes exactly those; `clear()` after. Without a pending id it falls back to random ids, so the
 * provider stays usable for other spans.
 */
export class PlannedIds {
  #traceId: string | null = null
  #spanId: string | null = null

  /** The ids the next started span takes. */
  next(traceId: string, spanId: string): void {
    this.#traceId = traceId
    this.#spanId = spanId
  }

  /** Forgets pending ids (after the span started). */
  clear(): void {
    this.#traceId = null
    this.#spanId = null
  }

  generateTraceId(): string {
    return this.#traceId ?? randomHex(16)
  }

  generateSpanId(): string {
    return this.#spanId ?? randomHex(8)
  }
}
