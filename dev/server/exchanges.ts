import { AsyncLocalStorage } from 'async_hooks'
import type { DestinationDefinition, RequestOptions } from '@segment/actions-core'

/**
 * The HTTP exchanges the destination has with FullStory while the server runs one call, recorded
 * per call even when calls overlap: the destination's `extendRequest` gets one more `afterResponse`
 * hook, which files each response under the call it belongs to (AsyncLocalStorage follows the call
 * through every await). The CLI's `serve` answers its action routes with these exchanges; the
 * tracking routes read FullStory's Retry-After from them.
 *
 * Shapes as the CLI's (packages/cli/src/lib/summarize-http.ts in segmentio/action-destinations),
 * with the response headers as a plain object (the CLI's serialize to `{}`).
 */
export interface Exchange {
  request: { url: string; method: string; headers: Record<string, string>; body: unknown }
  response: { statusCode: number; statusMessage?: string; headers: Record<string, string>; body: unknown }
}

/** Headers whose values are never shown (the CLI's list). */
const SENSITIVE_HEADERS = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'www-authenticate',
  'proxy-authenticate',
  'x-csrf-token',
  'x-xsrf-token',
  'x-api-key',
  'x-client-id',
  'x-uid',
  'x-requested-with',
  'x-forwarded-for',
  'x-real-ip',
  'x-amz-security-token',
  'x-amz-content-sha256',
  'x-amz-date',
  'x-amz-user-agent'
])

function plainHeaders(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {}
  headers.forEach((value, key) => {
    out[key] = SENSITIVE_HEADERS.has(key.toLowerCase()) ? '<redacted>' : value
  })
  return out
}

/** A request body as text: the destination sends JSON text, or its UTF-8 bytes (batch jobs). */
function bodyText(body: unknown): string {
  if (typeof body === 'string') return body
  return Buffer.isBuffer(body) ? body.toString('utf8') : ''
}

const current = new AsyncLocalStorage<Exchange[]>()

type Response = globalThis.Response & { data?: unknown; content?: string }

function recordExchange(request: Request, options: RequestOptions, response: Response): void {
  current.getStore()?.push({
    request: {
      url: request.url,
      method: request.method,
      headers: plainHeaders(request.headers),
      body: bodyText(options.body)
    },
    response: {
      statusCode: response.status,
      statusMessage: response.statusText,
      headers: plainHeaders(response.headers),
      body: response.data ?? response.content ?? ''
    }
  })
}

/**
 * The definition with the recording hook added to its requests. actions-core's request client takes
 * `afterResponse` hooks in these options (and concatenates them), though its RequestOptions type does
 * not declare them.
 */
export function recordingDefinition<S>(definition: DestinationDefinition<S>): DestinationDefinition<S> {
  const extendRequest: DestinationDefinition<S>['extendRequest'] = (data) => {
    const options = (definition.extendRequest?.(data) ?? {}) as RequestOptions & { afterResponse?: unknown[] }
    return { ...options, afterResponse: [...(options.afterResponse ?? []), recordExchange] } as RequestOptions
  }
  return { ...definition, extendRequest }
}

export interface Recorded<T> {
  exchanges: Exchange[]
  value?: T
  error?: unknown
  failed: boolean
}

/** Runs `call`, returning what it returned or threw and the exchanges it had. */
export async function recording<T>(call: () => Promise<T>): Promise<Recorded<T>> {
  const exchanges: Exchange[] = []
  try {
    const value = await current.run(exchanges, call)
    return { exchanges, value, failed: false }
  } catch (error) {
    return { exchanges, error, failed: true }
  }
}
