import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { parseAllDocuments } from 'yaml'
import { ensureHelmTools } from '../../tools/helm-tools.ts'

/** The repository root (tests run from dist/ or the sources; both sit two levels down). */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url)).replace(/\/dist\/$/, '/')
export const CHART = `${ROOT}charts/lunettes`
export const ALL_ON = `${ROOT}test/fixtures/chart/all-on.values.yaml`

/** A rendered Kubernetes object, loosely typed: tests read it like the API server would. */
// biome-ignore lint/suspicious/noExplicitAny: a manifest is any JSON the chart renders
export type Manifest = Record<string, any>

let helmPath: string | undefined
/** helm from the unpacked CDK layer: throws (the test fails) when it cannot be unpacked. */
export function helm(): string {
  helmPath ??= ensureHelmTools(ROOT).helm
  return helmPath
}

/** Runs helm; returns stdout, or throws an Error carrying helm's stderr. */
export function runHelm(args: string[]): string {
  try {
    return execFileSync(helm(), args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  } catch (err: unknown) {
    const stderr = (err as { stderr?: string }).stderr ?? ''
    throw new Error(`helm ${args.join(' ')} failed: ${stderr}`, { cause: err })
  }
}

/** `helm template` with values files and `--set` pairs, parsed into manifests. */
export function render(opts: { values?: string[]; set?: string[] } = {}): Manifest[] {
  const args = ['template', 'rel', CHART, '--namespace', 'obs']
  for (const v of opts.values ?? []) args.push('-f', v)
  for (const s of opts.set ?? []) args.push('--set', s)
  return parseAllDocuments(runHelm(args))
    .map((d) => d.toJSON() as Manifest | null)
    .filter((d): d is Manifest => d !== null && typeof d === 'object')
}

const cache = new Map<string, Manifest[]>()
/** Renders of the two acceptance value sets, done once per test file. */
export function rendered(which: 'default' | 'all-on'): Manifest[] {
  let docs = cache.get(which)
  if (!docs) {
    docs = render(which === 'all-on' ? { values: [ALL_ON] } : {})
    cache.set(which, docs)
  }
  return docs
}

export function find(docs: Manifest[], kind: string, name?: string): Manifest[] {
  return docs.filter((d) => d.kind === kind && (name === undefined || d.metadata?.name === name))
}

/** Workloads and their pod templates. */
export function podTemplates(docs: Manifest[]): { owner: Manifest; pod: Manifest }[] {
  return docs
    .filter((d) => ['Deployment', 'StatefulSet', 'DaemonSet'].includes(d.kind))
    .map((owner) => ({ owner, pod: owner.spec.template }))
}

/** The components whose containers run our image. */
export const OUR_COMPONENTS = ['gateway', 'actors', 'collect', 'audit-tail']

export function component(m: Manifest): string | undefined {
  return m.metadata?.labels?.['app.kubernetes.io/component']
}

type Selector = {
  matchLabels?: Record<string, string>
  matchExpressions?: { key: string; operator: string; values?: string[] }[]
}

/** Kubernetes label selector semantics (an empty selector selects everything). */
export function selects(selector: Selector, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key)
    const value = labels[e.key]
    const inValues = value !== undefined && (e.values ?? []).includes(value)
    const ok =
      e.operator === 'In'
        ? inValues
        : e.operator === 'NotIn'
          ? !inValues
          : e.operator === 'Exists'
            ? has
            : e.operator === 'DoesNotExist'
              ? !has
              : false
    if (!ok) return false
  }
  return true
}
