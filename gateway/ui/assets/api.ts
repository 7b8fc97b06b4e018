/// <reference lib="dom" />
import { h } from './dom.ts'

/**
 * API access from the page: same origin (so it works behind `kubectl port-forward`), the call is
 * tried first and a token is asked only when the API answers 401 (an authenticating proxy that
 * adds `Authorization` itself is never asked about). The token lives in sessionStorage: it is
 * gone when the tab closes.
 */

const TOKEN_KEY = 'lunettes.token'

/** An API answer that is not 2xx, with the gateway's `{"error":{code,message}}` when present. */
export class ApiError extends Error {
  override readonly name = 'ApiError'
  readonly status: number
  readonly code: string
  constructor(status: number, code: string, message: string) {
    super(message)
    this.status = status
    this.code = code
  }
}

function token(): string | null {
  try {
    return sessionStorage.getItem(TOKEN_KEY)
  } catch {
    return null
  }
}

/** Headers with the bearer token when one was given. */
export function authHeaders(extra: Record<string, string> = {}): Record<string, string> {
  const t = token()
  return t ? { ...extra, authorization: `Bearer ${t}` } : extra
}

let asking: Promise<void> | null = null

/** Shows a token form once (concurrent 401s share it) and resolves when a token was entered. */
function askToken(reason: string): Promise<void> {
  asking ??= new Promise<void>((resolve) => {
    const input = h('input', {
      id: 'token',
      type: 'password',
      autocomplete: 'off',
      required: true,
      'aria-describedby': 'token-why',
    })
    const form = h(
      'form',
      { class: 'token-form', method: 'dialog' },
      h('h2', { id: 'token-title' }, 'API token'),
      h('p', { id: 'token-why' }, reason),
      h('label', { for: 'token' }, 'Bearer token'),
      input,
      h('button', { type: 'submit' }, 'Use token'),
    )
    const dialog = h('dialog', { 'aria-labelledby': 'token-title' }, form)
    form.addEventListener('submit', (e) => {
      e.preventDefault()
      if (!input.value) return
      sessionStorage.setItem(TOKEN_KEY, input.value.trim())
      dialog.close()
      dialog.remove()
      asking = null
      resolve()
    })
    document.body.append(dialog)
    dialog.showModal()
    input.focus()
  })
  return asking
}

/** `fetch` of an API path with the token; on 401 asks for a token and tries again. */
export async function apiFetch(path: string, init: RequestInit = {}): Promise<Response> {
  for (let attempt = 0; ; attempt++) {
    const headers = authHeaders({ accept: 'application/json', ...(init.headers as object) })
    const res = await fetch(path, { ...init, headers })
    if (res.status !== 401 || attempt >= 3) return res
    await res.body?.cancel()
    await askToken(
      attempt === 0
        ? 'This Lunettes API needs a bearer token. It is kept only for this browser tab.'
        : 'That token was refused. Try again.',
    )
  }
}

/** GET an API path and parse its JSON; throws ApiError for a non-2xx answer. */
export async function apiJson<T>(path: string): Promise<T> {
  const res = await apiFetch(path)
  const text = await res.text()
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    throw new ApiError(res.status, 'BadGateway', `${path}: answer is not JSON (${res.status})`)
  }
  if (!res.ok) {
    const err = (body as { error?: { code?: string; message?: string } }).error
    throw new ApiError(res.status, err?.code ?? 'Error', err?.message ?? `HTTP ${res.status}`)
  }
  return body as T
}

/** Whether an error means the route does not exist on this server (an older gateway). */
export function isMissingRoute(err: unknown): boolean {
  return err instanceof ApiError && err.status === 404 && /^no route/.test(err.message)
}
