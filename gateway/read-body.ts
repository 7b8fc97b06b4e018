import { httpError } from './errors.ts'

/** Default webhook body limit: 10 MiB (the API server splits larger batches itself). */
export const DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024

function tooLarge(maxBytes: number) {
  return httpError(413, 'PayloadTooLarge', `request body exceeds ${maxBytes} bytes`)
}

/**
 * Reads a request body of at most `maxBytes`: refuses a larger `Content-Length` before reading,
 * and counts the bytes as they stream in (a missing or lying header is no way around the limit),
 * cancelling the stream as soon as the limit is passed. Throws a 413 HTTPException.
 */
export async function readBodyLimited(req: Request, maxBytes: number): Promise<Uint8Array> {
  const declared = req.headers.get('content-length')
  if (declared !== null && Number(declared) > maxBytes) throw tooLarge(maxBytes)
  if (!req.body) return new Uint8Array(0)
  const reader = req.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > maxBytes) {
      await reader.cancel().catch(() => {
        // The client is gone or the stream already failed: the 413 stands either way.
      })
      throw tooLarge(maxBytes)
    }
    chunks.push(value)
  }
  if (chunks.length === 1 && chunks[0]) return chunks[0]
  const out = new Uint8Array(size)
  let at = 0
  for (const chunk of chunks) {
    out.set(chunk, at)
    at += chunk.byteLength
  }
  return out
}
