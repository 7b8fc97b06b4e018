import { createReadStream } from 'node:fs'
import { open, stat } from 'node:fs/promises'
import { pipeline } from 'node:stream'
import { createGunzip } from 'node:zlib'

/** The bytes of an input file, gunzipped when the file starts with the gzip magic number. */
export interface ByteSource {
  readonly gzip: boolean
  readonly chunks: AsyncIterable<Buffer>
}

const GZIP_MAGIC = [0x1f, 0x8b] as const

async function readMagic(path: string): Promise<Buffer> {
  const handle = await open(path, 'r')
  try {
    const buf = Buffer.alloc(2)
    const { bytesRead } = await handle.read(buf, 0, 2, 0)
    return buf.subarray(0, bytesRead)
  } finally {
    await handle.close()
  }
}

/**
 * Opens `path` for streaming. Throws an Error naming the path when it is missing, a directory
 * or unreadable; later read errors surface while iterating `chunks`.
 */
export async function openByteSource(path: string): Promise<ByteSource> {
  let magic: Buffer
  try {
    const info = await stat(path)
    if (info.isDirectory()) throw new Error(`input is a directory, not a file: ${path}`)
    magic = await readMagic(path)
  } catch (err: unknown) {
    if (err instanceof Error && 'code' in err && err.code === 'ENOENT') {
      throw new Error(`input file not found: ${path}`, { cause: err })
    }
    if (err instanceof Error && err.message.includes(path)) throw err
    const reason = err instanceof Error ? err.message : String(err)
    throw new Error(`cannot read input file ${path}: ${reason}`, { cause: err })
  }
  const raw = createReadStream(path, { highWaterMark: 1 << 20 })
  if (magic[0] !== GZIP_MAGIC[0] || magic[1] !== GZIP_MAGIC[1]) return { gzip: false, chunks: raw }
  const gunzip = createGunzip()
  // pipeline destroys both streams when either fails or the reader stops early; the error itself
  // reaches the reader through the gunzip stream it iterates.
  pipeline(raw, gunzip, () => {})
  return { gzip: true, chunks: gunzip }
}

/** True for errors raised by node:zlib on corrupt or truncated compressed data. */
export function isZlibError(err: unknown): err is Error {
  return (
    err instanceof Error &&
    'code' in err &&
    typeof err.code === 'string' &&
    (err.code.startsWith('Z_') || err.code === 'ERR_ZLIB_INITIALIZATION_FAILED')
  )
}

/**
 * Reads the first `bytes` bytes (or everything, if shorter) without losing them: `rest` yields
 * the whole stream from its start. A read error during the peek is re-thrown from `rest`, so the
 * caller sees it where it reads.
 */
export async function peek(
  chunks: AsyncIterable<Buffer>,
  bytes: number,
): Promise<{ head: Buffer; complete: boolean; rest: AsyncIterable<Buffer> }> {
  const it = chunks[Symbol.asyncIterator]()
  const taken: Buffer[] = []
  let size = 0
  let done = false
  let failure: unknown
  try {
    while (size < bytes) {
      const r = await it.next()
      if (r.done) {
        done = true
        break
      }
      taken.push(r.value)
      size += r.value.length
    }
  } catch (err: unknown) {
    failure = err
    done = true
  }
  async function* rest(): AsyncGenerator<Buffer> {
    try {
      yield* taken
      if (failure !== undefined) throw failure
      if (done) return
      for (let r = await it.next(); !r.done; r = await it.next()) yield r.value
    } finally {
      await it.return?.()
    }
  }
  const head = Buffer.concat(taken, size)
  return { head: head.subarray(0, bytes), complete: done && failure === undefined, rest: rest() }
}

/**
 * Collects a whole stream, up to `max` bytes. Returns `undefined` (and stops reading) when the
 * stream is larger.
 */
export async function readAllCapped(
  chunks: AsyncIterable<Buffer>,
  max: number,
): Promise<Buffer | undefined> {
  const parts: Buffer[] = []
  let size = 0
  for await (const chunk of chunks) {
    size += chunk.length
    if (size > max) return undefined
    parts.push(chunk)
  }
  return Buffer.concat(parts, size)
}
