import { open, readdir, stat } from 'node:fs/promises'
import { basename, dirname, extname, join } from 'node:path'
import { LineReader } from './line-reader.ts'

/** Where the tail stopped: the file (by inode) and the end of its last published line. */
export interface TailCheckpoint {
  readonly ino: bigint
  readonly offset: number
}

/** An open file being tailed. */
export interface TailSource {
  readonly reader: LineReader
  readonly ino: bigint
  /** The path it was opened as (for logs). */
  readonly file: string
  /** A rotated file: read it to its end, then move on (it gets no more lines). */
  readonly rotated: boolean
}

/** The checkpoint as stored in the store's meta value (inode as a decimal string: 64 bits). */
export function encodeCheckpoint(cp: TailCheckpoint): string {
  return JSON.stringify({ ino: cp.ino.toString(), offset: cp.offset })
}

/** Parses a stored checkpoint; null when absent or not a checkpoint. */
export function decodeCheckpoint(raw: string | null): TailCheckpoint | null {
  if (raw === null) return null
  try {
    const x: unknown = JSON.parse(raw)
    if (typeof x !== 'object' || x === null) return null
    const { ino, offset } = x as { ino?: unknown; offset?: unknown }
    const validIno =
      (typeof ino === 'string' && /^\d+$/.test(ino)) ||
      (typeof ino === 'number' && Number.isSafeInteger(ino) && ino >= 0)
    if (!validIno || typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) {
      return null
    }
    return { ino: BigInt(ino), offset }
  } catch {
    return null
  }
}

/** Size and inode of `path`, or null when it does not exist (yet). */
export async function statPath(path: string): Promise<{ ino: bigint; size: number } | null> {
  try {
    const st = await stat(path, { bigint: true })
    return st.isFile() ? { ino: st.ino, size: Number(st.size) } : null
  } catch (err: unknown) {
    if (isNotFound(err)) return null
    throw err
  }
}

/**
 * Opens `file` for tailing at `offset`. Null when it vanished; when its inode is not `ino`
 * (replaced between stat and open) the caller's view is stale, so that is null too.
 */
export async function openSource(
  file: string,
  offset: number,
  rotated: boolean,
  ino?: bigint,
): Promise<TailSource | null> {
  let fh: Awaited<ReturnType<typeof open>>
  try {
    fh = await open(file, 'r')
  } catch (err: unknown) {
    if (isNotFound(err)) return null
    throw err
  }
  const reader = new LineReader(fh, 0)
  const st = await reader.stat()
  if (ino !== undefined && st.ino !== ino) {
    await reader.close()
    return null
  }
  reader.reset(offset <= st.size ? offset : 0)
  return { reader, ino: st.ino, file, rotated }
}

/** A rotated sibling of the tailed file, with its inode and modification time. */
export interface RotatedFile {
  readonly file: string
  readonly ino: bigint
  readonly mtimeNs: bigint
}

/**
 * Rotated siblings of `path` in its directory, oldest first: `audit.log.1`, `audit.log-2024…`,
 * and lumberjack-style `audit-2024-05-14T09-00-00.000.log` (stem, `-`, a timestamp, the
 * extension). Compressed backups (`.gz`, `.zst`…) are left out: they cannot be tailed.
 */
export async function rotatedSiblings(path: string): Promise<RotatedFile[]> {
  const dir = dirname(path)
  const name = basename(path)
  const ext = extname(name)
  const stem = ext ? name.slice(0, -ext.length) : name
  let names: string[]
  try {
    names = await readdir(dir)
  } catch (err: unknown) {
    if (isNotFound(err)) return []
    throw err
  }
  const found: RotatedFile[] = []
  for (const n of names) {
    if (!isRotatedName(n, name, stem, ext)) continue
    try {
      const st = await stat(join(dir, n), { bigint: true })
      if (st.isFile()) found.push({ file: join(dir, n), ino: st.ino, mtimeNs: st.mtimeNs })
    } catch (err: unknown) {
      if (!isNotFound(err)) throw err
    }
  }
  return found.sort((a, b) => (a.mtimeNs < b.mtimeNs ? -1 : a.mtimeNs > b.mtimeNs ? 1 : 0))
}

function isRotatedName(n: string, name: string, stem: string, ext: string): boolean {
  if (n === name || /\.(gz|bz2|xz|zst|zip|lz4)$/i.test(n)) return false
  if (n.startsWith(`${name}.`) || n.startsWith(`${name}-`)) return n.length > name.length + 1
  if (!ext || !n.startsWith(`${stem}-`) || !n.endsWith(ext)) return false
  return /^\d/.test(n.slice(stem.length + 1))
}

/**
 * The rotated files to finish before the live file after a restart: the file holding the
 * checkpoint's inode, then every rotated sibling written after it (several rotations while the
 * tail was stopped), oldest first. Empty when the checkpoint's file is gone.
 */
export async function backlogAfter(path: string, ino: bigint): Promise<RotatedFile[]> {
  const siblings = await rotatedSiblings(path)
  const at = siblings.findIndex((s) => s.ino === ino)
  return at === -1 ? [] : siblings.slice(at)
}

/** Whether an fs error means "no such file". */
export function isNotFound(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'ENOENT'
}
