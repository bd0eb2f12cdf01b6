import { AsyncLocalStorage } from 'async_hooks'
import { Destination, HTTPError } from '@segment/actions-core'
import type { DestinationDefinition, JSONObject, ModifiedResponse, RequestOptions } from '@segment/actions-core'
import type { Settings } from '../../src/generated-types'
import { redactPieces } from '../../src/api/redact'
import type { Secrets } from '../../src/api/redact'
import { HttpError } from '../http'

/**
 * The destination as the server runs it: one actions-core `Destination` whose HTTP exchanges with
 * FullStory are recorded per call (even when calls overlap), the API key deliveries use, and the
 * secrets no answer or log line may show.
 *
 * Exchanges have the CLI's shape (packages/cli/src/lib/summarize-http.ts in
 * segmentio/action-destinations), with the response headers as a plain object and secret headers
 * `<redacted>`. The destination's `extendRequest` gets one more `afterResponse` hook (actions-core's
 * request client takes them, though its RequestOptions type does not say so), which files each
 * response under its call (AsyncLocalStorage follows the call through every await).
 */
export interface Exchange {
  request: { url: string; method: string; headers: Record<string, string>; body: unknown }
  response: { statusCode: number; statusMessage?: string; headers: Record<string, string>; body: unknown }
}

export interface Recorded<T> {
  exchanges: Exchange[]
  value?: T
  error?: unknown
  failed: boolean
}

export interface Subscription {
  name: string
  subscribe: string
  partnerAction: string
  mapping: JSONObject
}

/** Headers whose values are never shown (the CLI's list). */
const SENSITIVE = new Set(
  'authorization proxy-authorization cookie set-cookie www-authenticate proxy-authenticate x-csrf-token x-xsrf-token x-api-key x-client-id x-uid x-requested-with x-forwarded-for x-real-ip x-amz-security-token x-amz-content-sha256 x-amz-date x-amz-user-agent'.split(
    ' '
  )
)
function plain(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {}
  headers.forEach((value, key) => (out[key] = SENSITIVE.has(key) ? '<redacted>' : value))
  return out
}
const current = new AsyncLocalStorage<Exchange[]>()

export class Runtime {
  readonly destination: Destination<Settings>
  /** The destination's automatic presets, each as a subscription (what Segment's app creates by default). */
  readonly subscriptions: Subscription[]

  constructor(definition: DestinationDefinition<Settings>, readonly apiKey: string, private readonly known: Secrets) {
    const record = (request: Request, options: RequestOptions, response: ModifiedResponse) => {
      const body = Buffer.isBuffer(options.body) ? options.body.toString('utf8') : options.body ?? ''
      current.getStore()?.push({
        request: { url: request.url, method: request.method, headers: plain(request.headers), body },
        response: {
          statusCode: response.status,
          statusMessage: response.statusText,
          headers: plain(response.headers),
          body: response.data ?? response.content ?? ''
        }
      })
    }
    const extendRequest: DestinationDefinition<Settings>['extendRequest'] = (data) => {
      const options = (definition.extendRequest?.(data) ?? {}) as RequestOptions & { afterResponse?: unknown[] }
      return { ...options, afterResponse: [...(options.afterResponse ?? []), record] } as RequestOptions
    }
    this.destination = new Destination({ ...definition, extendRequest })
    this.subscriptions = (definition.presets ?? []).flatMap((preset) =>
      preset.type === 'automatic' && preset.subscribe
        ? [{ ...preset, name: preset.name ?? preset.partnerAction, mapping: preset.mapping ?? {} } as Subscription]
        : []
    )
  }

  /** The secrets to keep out of an answer: the server's own and any key a request carried. */
  secrets(...more: unknown[]): Secrets {
    return [...this.known, ...more.filter((value): value is string => typeof value === 'string')]
  }

  /** Runs one destination call, returning what it returned or threw and its exchanges with FullStory. */
  async run<T>(call: (destination: Destination<Settings>) => Promise<T>): Promise<Recorded<T>> {
    const exchanges: Exchange[] = []
    try {
      return { exchanges, value: await current.run(exchanges, () => call(this.destination)), failed: false }
    } catch (error) {
      return { exchanges, error, failed: true }
    } finally {
      // actions-core keeps every response for its CLI; a long-running server must not
      this.destination.responses.length = 0
    }
  }
}

/** `text` with every secret, and every 8-character piece of one, as `[redacted]` (src/api/redact.ts). */
export const redact = (text: string, secrets: Secrets) => redactPieces(text, secrets, '[redacted]')

/** A JSON value with `redact` applied to every string in it (keys included). */
export function redactDeep(value: unknown, secrets: Secrets): unknown {
  if (typeof value === 'string') return redact(value, secrets)
  if (Array.isArray(value)) return value.map((item) => redactDeep(item, secrets))
  if (typeof value !== 'object' || value === null) return value
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [redact(key, secrets), redactDeep(item, secrets)])
  )
}

/** A message as it may be shown: its first line of text, without this machine's directory or a secret. */
export function cleanMessage(message: string, secrets: Secrets): string {
  const line = message.split('\n').find((text) => text.trim()) ?? ''
  return redact(line.trim().split(process.cwd()).join('.'), secrets)
}

export interface Failure {
  status: number
  code: string
  message: string
  /** Each settings or payload field that failed validation. */
  fields?: Record<string, string>
}

/**
 * The one error-to-status rule of the server, for whatever a call threw: an HttpError as it says;
 * an HTTPError the status of its response (its message, its body, as the CLI shows it); an error
 * with a status (IntegrationError, RetryableError, PayloadValidationError...) that one; a payload,
 * settings or mapping validation failure 400; anything else 500.
 */
export function failureOf(error: unknown, secrets: Secrets): Failure {
  if (error instanceof HttpError) return error
  const err = (error ?? {}) as { status?: unknown; code?: unknown; name?: string; message?: string }
  // actions-core's mapping-kit throws its validation errors as one AggregateError
  const mapping = err.name === 'AggregateError' && /^\s*ValidationError: /.test(err.message ?? '')
  const validation = mapping || err.name === 'AggregateAjvError' || err.name === 'ValidationError'
  let status = typeof err.status === 'number' && err.status >= 400 && err.status <= 599 ? err.status : undefined
  let message: unknown = err.message || String(error)
  if (error instanceof HTTPError) {
    const response = error.response as Partial<ModifiedResponse> | undefined
    status = response?.status ?? status
    message = response?.data ?? response?.content ?? message
  }
  const code =
    typeof err.code === 'string' && err.code
      ? err.code
      : validation
      ? 'PAYLOAD_VALIDATION_FAILED'
      : err.name && err.name !== 'Error'
      ? err.name
      : 'internal_error'
  const text = cleanMessage(typeof message === 'string' ? message : JSON.stringify(message), secrets)
  const fields: Record<string, string> = {}
  if (err.name === 'AggregateAjvError') {
    for (const field of error as Iterable<{ path: string; message: string }>)
      fields[field.path.replace('$.', '')] = field.message
  }
  return {
    status: status ?? (validation ? 400 : 500),
    code,
    message: text,
    ...(err.name === 'AggregateAjvError' && { fields })
  }
}
