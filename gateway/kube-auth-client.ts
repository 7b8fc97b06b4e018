import http from 'node:http'
import https from 'node:https'
import { KubeConfig } from '@kubernetes/client-node'
import type { KubeTransport } from './kube-auth.ts'

/** Largest API server reply read (a namespace list page), bytes. */
const MAX_REPLY_BYTES = 8 * 1024 * 1024

/** The API server did not answer 2xx; the message never carries the request body (a token). */
export class KubeAuthError extends Error {
  override readonly name = 'KubeAuthError'
  readonly status: number
  constructor(path: string, status: number, detail: string) {
    super(`${path}: ${status ? `HTTP ${status}` : 'no answer'}${detail ? `: ${detail}` : ''}`)
    this.status = status
  }
}

/**
 * Where the gateway finds the API server for TokenReview and SubjectAccessReview: in a pod, its
 * service account (`/var/run/secrets/kubernetes.io/serviceaccount`); else `kubeconfig` (a file,
 * from `KUBECONFIG`); else the default kubeconfig.
 */
export function loadKubeConfig(opts: { inCluster: boolean; kubeconfig?: string | undefined }) {
  const kc = new KubeConfig()
  if (opts.inCluster) kc.loadFromCluster()
  else if (opts.kubeconfig) kc.loadFromFile(opts.kubeconfig.split(':')[0] ?? opts.kubeconfig)
  else kc.loadFromDefault()
  if (!kc.getCurrentCluster()?.server) throw new Error('kubeconfig: no API server for API auth')
  return kc
}

/**
 * JSON over HTTPS to the API server with the kubeconfig's endpoint, TLS material and credentials
 * (`applyToHTTPSOptions` per request, so rotated service-account tokens are picked up), the way
 * actors/collectors/kube-http.ts talks to it. Each request gives up after `timeoutMs`.
 */
export function kubeTransport(kc: KubeConfig, timeoutMs = 5000): KubeTransport {
  const server = (kc.getCurrentCluster()?.server ?? '').replace(/\/+$/, '')
  async function send(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
    const url = new URL(server + path)
    const payload = body === undefined ? undefined : JSON.stringify(body)
    const opts: https.RequestOptions = {
      method,
      headers: {
        accept: 'application/json',
        ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
      },
    }
    await kc.applyToHTTPSOptions(opts)
    const client = url.protocol === 'http:' ? http : https
    const { status, text } = await new Promise<{ status: number; text: string }>(
      (resolve, reject) => {
        const req = client.request(url, opts, (res) => {
          const chunks: Buffer[] = []
          let size = 0
          res.on('data', (chunk: Buffer) => {
            size += chunk.length
            if (size > MAX_REPLY_BYTES) req.destroy(new KubeAuthError(path, 0, 'reply too large'))
            else chunks.push(chunk)
          })
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
          )
          res.on('error', reject)
        })
        req.setTimeout(timeoutMs, () =>
          req.destroy(new KubeAuthError(path, 0, `timed out after ${timeoutMs} ms`)),
        )
        req.on('error', (err: Error) =>
          reject(err instanceof KubeAuthError ? err : new KubeAuthError(path, 0, err.message)),
        )
        req.end(payload)
      },
    )
    if (status < 200 || status > 299) {
      let detail = ''
      try {
        const s = JSON.parse(text) as { reason?: unknown }
        detail = typeof s.reason === 'string' ? s.reason : ''
      } catch {
        // Not a Status object: the status code says enough.
      }
      throw new KubeAuthError(path, status, detail)
    }
    try {
      return JSON.parse(text)
    } catch {
      throw new KubeAuthError(path, status, 'reply is not JSON')
    }
  }
  return { post: (path, body) => send('POST', path, body), get: (path) => send('GET', path) }
}
