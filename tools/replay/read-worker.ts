import { parentPort, workerData } from 'node:worker_threads'
import { foldRange } from './read-range.ts'

/** Worker thread of `read-parallel.ts`: folds one byte range and posts the result back. */
interface Job {
  path: string
  start: number
  end: number
  ignored: string[]
}

const job = workerData as Job
foldRange(job.path, job.start, job.end, new Set(job.ignored)).then(
  (result) => parentPort?.postMessage({ result }),
  (err: unknown) =>
    parentPort?.postMessage({ error: err instanceof Error ? err.message : String(err) }),
)
