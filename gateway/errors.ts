import { HTTPException } from 'hono/http-exception'
import type { ContentfulStatusCode } from 'hono/utils/http-status'

/** Codes of the gateway's JSON error bodies `{"error":{"code","message"}}`. */
export type GatewayErrorCode =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'PayloadTooLarge'
  | 'UnsupportedMediaType'
  | 'TooManyRequests'
  | 'Unavailable'
  | 'Timeout'
  | 'Internal'
  | 'BadGateway'

/** A JSON error response `{"error":{"code","message"}}`. */
export function errorResponse(
  status: ContentfulStatusCode,
  code: GatewayErrorCode,
  message: string,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify({ error: { code, message } }), {
    status,
    headers: { 'content-type': 'application/json; charset=UTF-8', ...headers },
  })
}

/** An HTTPException that owns its JSON error response (answered by the app's one `onError`). */
export function httpError(
  status: ContentfulStatusCode,
  code: GatewayErrorCode,
  message: string,
  headers: Record<string, string> = {},
): HTTPException {
  return new HTTPException(status, {
    message,
    res: errorResponse(status, code, message, headers),
  })
}
