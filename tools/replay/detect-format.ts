/**
 * How an input file is laid out:
 * - `json-lines`: one JSON object per line (audit logs, Event/Pod dumps, CloudWatch exports);
 * - `json-document`: one JSON value spread over lines (`kubectl get -o json`, a webhook batch);
 * - `yaml`: one or more YAML documents (`kubectl get -o yaml`, kspan recordings, GKE entries).
 */
export type InputFormat = 'json-lines' | 'json-document' | 'yaml'

const YAML_START = /^(?:---|%YAML|- |[A-Za-z_"'$@][^:\s]*\s*:(?:\s|$))/

function isJson(text: string): boolean {
  try {
    JSON.parse(text)
    return true
  } catch {
    return false
  }
}

/**
 * Decides the format from the start of the (decompressed) content: the first line that is not
 * blank and not a `#` comment. `complete` says whether `head` is the whole file. The file name
 * only breaks ties: content that looks like neither JSON nor YAML is read as JSON lines (so each
 * bad line is reported with its number) unless the name ends in `.yaml`/`.yml`.
 *
 * A JSON document whose first line is a complete JSON value (a one-line `EventList`) is read as
 * JSON lines; the reader expands lists either way, so the records are the same.
 */
export function detectFormat(head: string, complete: boolean, fileName: string): InputFormat {
  const text = head.startsWith('\uFEFF') ? head.slice(1) : head
  let start = 0
  while (start < text.length) {
    const nl = text.indexOf('\n', start)
    const end = nl === -1 ? text.length : nl
    const line = text.slice(start, end).trim()
    const lineComplete = nl !== -1 || complete
    if (line !== '' && !line.startsWith('#')) return decide(line, lineComplete, fileName)
    if (nl === -1) break
    start = nl + 1
  }
  return /\.ya?ml(\.gz)?$/i.test(fileName) ? 'yaml' : 'json-lines'
}

function decide(line: string, lineComplete: boolean, fileName: string): InputFormat {
  if (line.startsWith('[')) return 'json-document'
  if (line.startsWith('{')) {
    if (!lineComplete || isJson(line)) return 'json-lines'
    // A pretty-printed document opens with `{` alone or with `{ "key": [` / `{ "a": 1,`.
    return /[{[,]$/.test(line) ? 'json-document' : 'json-lines'
  }
  if (YAML_START.test(line)) return 'yaml'
  return /\.ya?ml(\.gz)?$/i.test(fileName) ? 'yaml' : 'json-lines'
}
