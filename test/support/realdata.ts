import { existsSync } from 'node:fs'
import { resolve } from 'node:path'

/**
 * The shared real-data folder (`../shared/realdata` next to the checkout, as CI lays it out), or
 * `LUNETTES_REALDATA`. Tests that need it fail loudly when it is missing: CI always has it.
 */
export const REALDATA = resolve(process.env.LUNETTES_REALDATA ?? '../shared/realdata')

/** Absolute path of a file in the real-data folder; throws naming it when absent. */
export function realdata(relative: string): string {
  const path = resolve(REALDATA, relative)
  if (!existsSync(path)) throw new Error(`real data file missing: ${path} (set LUNETTES_REALDATA)`)
  return path
}
