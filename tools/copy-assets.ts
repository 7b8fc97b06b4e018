import { copyFileSync, mkdirSync, readdirSync } from 'node:fs'
import { join } from 'node:path'

/**
 * Build step after `tsc`: copies the UI's non-TypeScript files (page shell, CSS, favicon) and
 * uPlot from node_modules into `dist/gateway/ui`, so the gateway serves everything itself (no
 * CDN). Run from the repository root: `node dist/tools/copy-assets.js`.
 */
function copyAssets(root: string): number {
  const out = join(root, 'dist/gateway/ui')
  mkdirSync(join(out, 'assets/vendor'), { recursive: true })
  const copies: [string, string][] = [['gateway/ui/index.html', 'index.html']]
  for (const f of readdirSync(join(root, 'gateway/ui/assets'))) {
    if (/\.(css|svg)$/.test(f)) copies.push([`gateway/ui/assets/${f}`, `assets/${f}`])
  }
  const uplot = join(root, 'node_modules/uplot/dist')
  copies.push([join(uplot, 'uPlot.esm.js'), 'assets/vendor/uplot.esm.js'])
  copies.push([join(uplot, 'uPlot.min.css'), 'assets/vendor/uplot.min.css'])
  for (const [from, to] of copies) {
    copyFileSync(from.startsWith('/') ? from : join(root, from), join(out, to))
  }
  return copies.length
}

copyAssets(process.cwd())
