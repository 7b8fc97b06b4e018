import { createHash } from 'node:crypto'
import { readFileSync, statSync } from 'node:fs'

/** What one poll of a watched config file did. */
export type ReloadOutcome = 'applied' | 'invalid' | 'unreadable'

/** Options of {@link watchConfigFile}. */
export interface WatchConfigFileOptions<T> {
  /** The file (a mounted ConfigMap key updates in place). */
  path: string
  /** Validates the text; throws on an invalid config (the error's message is logged). */
  parse: (text: string, origin: string) => T
  /** The config loaded at start (from the same file). */
  initial: T
  /** Poll interval, ms (default 5000). */
  intervalMs?: number
  /** Told every outcome; `applied` carries the new config, the others the error. */
  onOutcome?: (outcome: ReloadOutcome, detail: { config?: T; error?: string }) => void
  /** Logger: one `warn` per distinct bad content, one `info` per applied change. */
  log?: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void }
  /** Injectable for tests: reads mtime (ms) and text. */
  read?: (path: string) => { mtimeMs: number; text: string }
}

/** A watched config: the one in force, a manual poll (tests, SIGHUP), and stop. */
export interface ConfigFileWatch<T> {
  current(): T
  /** Checks the file now; returns what it did, or null when nothing changed. */
  poll(): ReloadOutcome | null
  stop(): void
}

const readFile = (path: string) => ({
  mtimeMs: statSync(path).mtimeMs,
  text: readFileSync(path, 'utf8'),
})
const hash = (text: string) => createHash('sha256').update(text).digest('hex')

/**
 * Polls a config file and swaps in a changed, valid config without a restart (upstream re-reads
 * its ConfigMap every 15 s). A change is seen by mtime or content hash (a ConfigMap update swaps a
 * symlink; the mtime alone may not move). The new text is validated first: an invalid config
 * keeps the old one running and is logged once (until the content changes again); an unreadable
 * file (mid-swap) keeps the old one too.
 */
export function watchConfigFile<T>(o: WatchConfigFileOptions<T>): ConfigFileWatch<T> {
  const read = o.read ?? readFile
  let current = o.initial
  let last: { mtimeMs: number; digest: string } | null = null
  let lastBad: string | null = null
  try {
    const { mtimeMs, text } = read(o.path)
    last = { mtimeMs, digest: hash(text) }
  } catch {
    last = null
  }
  function poll(): ReloadOutcome | null {
    let file: { mtimeMs: number; text: string }
    try {
      file = read(o.path)
    } catch (err: unknown) {
      const error = err instanceof Error ? err.message : String(err)
      if (lastBad !== `unreadable:${error}`) {
        lastBad = `unreadable:${error}`
        o.log?.warn(
          { path: o.path, err: error },
          'config file unreadable; keeping the running config',
        )
      }
      o.onOutcome?.('unreadable', { error })
      return 'unreadable'
    }
    const digest = hash(file.text)
    if (last && last.digest === digest) {
      last = { mtimeMs: file.mtimeMs, digest }
      return null
    }
    last = { mtimeMs: file.mtimeMs, digest }
    try {
      current = o.parse(file.text, o.path)
    } catch (err: unknown) {
      const error = err instanceof Error ? err.message : String(err)
      if (lastBad !== digest) {
        lastBad = digest
        o.log?.warn(
          { path: o.path, err: error },
          'invalid config change refused; keeping the running config',
        )
      }
      o.onOutcome?.('invalid', { error })
      return 'invalid'
    }
    lastBad = null
    o.log?.info({ path: o.path }, 'config reloaded')
    o.onOutcome?.('applied', { config: current })
    return 'applied'
  }
  const timer = setInterval(poll, o.intervalMs ?? 5000)
  timer.unref()
  return { current: () => current, poll, stop: () => clearInterval(timer) }
}
