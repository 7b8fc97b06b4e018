import { open } from 'node:fs/promises'
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import { detectFormat } from './detect-format.ts'
import { type FoldedRecords, foldRange, mergeFold, type RangeResult } from './read-range.ts'

/** Plain JSON-lines inputs from this size up are read by two threads (half each). */
export const PARALLEL_MIN_BYTES = 64 * 1024 * 1024
/** The share the calling thread reads: less than half, as it also takes the other half's signals. */
const FIRST_SHARE = 0.45
const SNIFF_BYTES = 64 * 1024
const SCAN_BYTES = 1024 * 1024

/**
 * Where to cut `path` in two for a parallel read: just after a newline near `FIRST_SHARE` of it.
 * Null (read it in one go) for files under `minBytes`, gzip, anything but JSON lines (the sniff
 * `readInputFile` makes), a single core, or any error (the one-go read reports it).
 */
export async function splitPoint(path: string, minBytes: number): Promise<number | null> {
  if (availableParallelism() < 2) return null
  const file = await open(path, 'r').catch(() => null)
  if (!file) return null
  try {
    const info = await file.stat()
    if (!info.isFile() || info.size < minBytes) return null
    const head = Buffer.alloc(SNIFF_BYTES)
    const { bytesRead } = await file.read(head, 0, SNIFF_BYTES, 0)
    if (head[0] === 0x1f && head[1] === 0x8b) return null
    const text = head.subarray(0, bytesRead).toString('utf8')
    if (detectFormat(text, bytesRead >= info.size, path) !== 'json-lines') return null
    const window = Buffer.alloc(SCAN_BYTES)
    for (let at = Math.floor(info.size * FIRST_SHARE); at < info.size; at += SCAN_BYTES) {
      const { bytesRead: n } = await file.read(window, 0, SCAN_BYTES, at)
      const nl = window.subarray(0, n).indexOf(10)
      if (nl !== -1) return at + nl + 1 < info.size ? at + nl + 1 : null
      if (n === 0) return null
    }
    return null
  } catch {
    return null
  } finally {
    await file.close()
  }
}

/** The worker's result; null when no worker could run it (the caller reads the range itself). */
function foldInWorker(
  path: string,
  start: number,
  ignored: ReadonlySet<string>,
): { result: Promise<RangeResult | null>; stop: () => void } {
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js'
  let worker: Worker
  try {
    worker = new Worker(new URL(`./read-worker${ext}`, import.meta.url), {
      workerData: { path, start, end: Number.MAX_SAFE_INTEGER, ignored: [...ignored] },
    })
  } catch {
    return { result: Promise.resolve(null), stop: () => {} }
  }
  const result = new Promise<RangeResult | null>((resolve, reject) => {
    worker.once('message', (m: { result?: RangeResult; error?: string }) => {
      if (m.result) resolve(m.result)
      else reject(new Error(m.error))
    })
    worker.once('error', () => resolve(null))
    worker.once('exit', () => resolve(null))
  })
  return { result, stop: () => void worker.terminate() }
}

/**
 * Reads a plain JSON-lines file in two threads, cut at `at`: this one folds the first part
 * (malformed lines to `onSkip` as they come), a worker the rest; then the worker's malformed lines
 * go to `onSkip` renumbered, and its signals follow. Records, signals, drop order and skipped
 * lines come out exactly as one thread reading the whole file gives them. `byWorker` is false
 * when no worker could start (this thread then read the rest itself).
 */
export async function foldSplit(
  path: string,
  at: number,
  ignored: ReadonlySet<string>,
  onSkip: (line: number, reason: string) => void,
): Promise<FoldedRecords & { byWorker: boolean }> {
  const rest = foldInWorker(path, at, ignored)
  try {
    const first = await foldRange(path, 0, at, ignored, onSkip)
    const theirs = await rest.result
    const second = theirs ?? (await foldRange(path, at, Number.MAX_SAFE_INTEGER, ignored))
    for (const s of second.skips) onSkip(s.line + first.newlines, s.reason)
    mergeFold(first, second)
    return { ...first, byWorker: theirs !== null }
  } finally {
    rest.stop()
  }
}
