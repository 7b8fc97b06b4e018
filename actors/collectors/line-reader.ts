import type { FileHandle } from 'node:fs/promises'

/** One complete line read from a file, without its newline. */
export interface FileLine {
  /** The line's text (UTF-8), or null when it was longer than `maxLineBytes` (skipped). */
  readonly text: string | null
  /** Byte offset of the line's first byte. */
  readonly start: number
  /** Byte offset just past the line's newline: where the next line starts. */
  readonly end: number
}

/** Options of `LineReader`. */
export interface LineReaderOptions {
  /** Size of the reusable read buffer (default 64 KiB). */
  readonly chunkBytes?: number
  /** A longer line is skipped and reported with `text: null` (default 16 MiB). */
  readonly maxLineBytes?: number
}

const NEWLINE = 0x0a

/**
 * Reads complete `\n`-terminated lines from an open file, from a byte offset, through one
 * reusable buffer. A last line without its newline stays pending (not returned) until the
 * newline arrives, so `committed` only ever covers complete lines. The reader reads at most one
 * buffer ahead of what it returned: callers get backpressure by not asking.
 */
export class LineReader {
  readonly #fh: FileHandle
  readonly #buf: Buffer
  readonly #maxLineBytes: number
  /** Bytes of the current unfinished line that were read in earlier buffers. */
  #parts: Buffer[] = []
  #partsLength = 0
  /** The current line is too long: drop its bytes until its newline. */
  #skipping = false
  /** Unsplit data in `#buf`: [#scan, #filled). */
  #scan = 0
  #filled = 0
  /** File offset of the next `read`. */
  #readPos: number
  /** File offset where the current unfinished line starts (= end of the last returned line). */
  #lineStart: number

  constructor(fh: FileHandle, offset: number, opts: LineReaderOptions = {}) {
    this.#fh = fh
    this.#buf = Buffer.allocUnsafe(opts.chunkBytes ?? 64 * 1024)
    this.#maxLineBytes = opts.maxLineBytes ?? 16 * 1024 * 1024
    this.#readPos = offset
    this.#lineStart = offset
  }

  /** End of the last complete line returned: a safe resume offset. */
  get committed(): number {
    return this.#lineStart
  }

  /** Bytes read from the file so far (including a pending partial line). */
  get position(): number {
    return this.#readPos
  }

  /** Up to `max` complete lines available now; fewer (or none) at the current end of file. */
  async readLines(max: number): Promise<FileLine[]> {
    const lines: FileLine[] = []
    while (lines.length < max) {
      const line = this.#nextBuffered()
      if (line) {
        lines.push(line)
        continue
      }
      if (!(await this.#fill())) break
    }
    return lines
  }

  /**
   * The unterminated rest of the file as a last line (for a rotated file that will never get
   * its newline), or null when nothing but whitespace is pending. Call after `readLines` found
   * the end.
   */
  takeRest(): FileLine | null {
    this.#stash()
    const start = this.#lineStart
    const end = this.#readPos
    const skipped = this.#skipping
    const bytes = Buffer.concat(this.#parts, this.#partsLength)
    this.#resetLine(end)
    if (skipped) return { text: null, start, end }
    const text = bytes.toString('utf8')
    return text.trim() === '' ? null : { text, start, end }
  }

  /** Restarts at `offset` (after a truncation), dropping anything pending. */
  reset(offset: number): void {
    this.#readPos = offset
    this.#scan = 0
    this.#filled = 0
    this.#resetLine(offset)
  }

  /** The open file's current size and inode. */
  async stat(): Promise<{ size: number; ino: bigint }> {
    const st = await this.#fh.stat({ bigint: true })
    return { size: Number(st.size), ino: st.ino }
  }

  /** Closes the file. */
  async close(): Promise<void> {
    await this.#fh.close()
  }

  /** The next complete line already in the buffer, or null (the rest is stashed). */
  #nextBuffered(): FileLine | null {
    while (this.#scan < this.#filled) {
      const nl = this.#buf.indexOf(NEWLINE, this.#scan)
      if (nl === -1 || nl >= this.#filled) {
        this.#stash()
        return null
      }
      const from = this.#scan
      this.#scan = nl + 1
      const start = this.#lineStart
      const end = this.#readPos - (this.#filled - this.#scan)
      const skipped = this.#skipping || this.#partsLength + (nl - from) > this.#maxLineBytes
      let text: string | null = null
      if (!skipped) {
        const tail = this.#buf.subarray(from, nl)
        text =
          this.#partsLength === 0
            ? tail.toString('utf8')
            : Buffer.concat([...this.#parts, tail], this.#partsLength + tail.length).toString(
                'utf8',
              )
      }
      this.#resetLine(end)
      return { text, start, end }
    }
    return null
  }

  /** Copies the unsplit rest of the buffer into the current line's parts (or drops it). */
  #stash(): void {
    if (this.#scan >= this.#filled) return
    const rest = this.#buf.subarray(this.#scan, this.#filled)
    this.#scan = this.#filled
    if (this.#skipping) return
    if (this.#partsLength + rest.length > this.#maxLineBytes) {
      this.#skipping = true
      this.#parts = []
      this.#partsLength = 0
      return
    }
    this.#parts.push(Buffer.from(rest))
    this.#partsLength += rest.length
  }

  /** Reads the next chunk into the buffer; false at the current end of file. */
  async #fill(): Promise<boolean> {
    this.#stash()
    const { bytesRead } = await this.#fh.read(this.#buf, 0, this.#buf.length, this.#readPos)
    this.#scan = 0
    this.#filled = bytesRead
    this.#readPos += bytesRead
    return bytesRead > 0
  }

  #resetLine(start: number): void {
    this.#lineStart = start
    this.#parts = []
    this.#partsLength = 0
    this.#skipping = false
  }
}
