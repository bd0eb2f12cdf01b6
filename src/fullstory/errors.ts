import {
  APIError,
  IntegrationError,
  InvalidAuthenticationError,
  RetryableError,
  type ModifiedResponse
} from '@segment/actions-core'

/**
 * FullStory's answers turned into actions-core errors: one table (design.md section 6).
 *
 * | FullStory answer      | thrown                                          | retried by Segment |
 * | 400                   | IntegrationError 400 with FullStory's code      | no                 |
 * | 401                   | InvalidAuthenticationError                      | no                 |
 * | 403                   | IntegrationError 403 naming the role needed     | no                 |
 * | 404                   | IntegrationError 404 with troubleshooting text  | no                 |
 * | 409                   | RetryableError 423 (see below)                  | yes                |
 * | other 4xx             | IntegrationError with status and code           | no                 |
 * | 429                   | RetryableError 429 quoting Retry-After          | yes                |
 * | 5xx                   | RetryableError (APIError for 501 and >= 512)    | yes (not 501)      |
 * | timeout               | RetryableError 408                              | yes                |
 * | connection failure    | RetryableError 503                              | yes                |
 *
 * Every message quotes FullStory's `code` and `message` and never contains the API key.
 */

/** What the destination was doing; errors say it in words and name the key role it needs. */
export type Operation = 'testAuthentication' | 'sendUsers' | 'sendEvents' | 'deleteUsers'

const operations: Record<Operation, { doing: string; role: string }> = {
  testAuthentication: { doing: 'check the API key', role: 'any role' },
  sendUsers: { doing: 'send users', role: 'Standard, Architect or Admin' },
  sendEvents: { doing: 'send events', role: 'Standard, Architect or Admin' },
  deleteUsers: { doing: 'delete users', role: 'Admin or Architect' }
}

/** The largest piece of FullStory's own message that we repeat. */
const MAX_QUOTED = 500

/** Statuses RetryableError accepts (actions-core limits it to these). */
const RETRYABLE_STATUSES = new Set([408, 423, 429, 500, 502, 503, 504, 505, 506, 507, 508, 509, 510, 511])

export interface FullStoryErrorBody {
  code?: string
  message?: string
}

/** Reads `{code, message}` from an error response, whatever its content type. */
export function errorBody(response: Pick<ModifiedResponse, 'data' | 'content'>): FullStoryErrorBody {
  let data: unknown = response.data
  if (typeof data === 'string') {
    try {
      data = JSON.parse(data)
    } catch {
      return { message: (data as string) || undefined }
    }
  }
  if (data && typeof data === 'object') {
    const { code, message } = data as Record<string, unknown>
    return {
      code: typeof code === 'string' ? code : undefined,
      message: typeof message === 'string' ? message : undefined
    }
  }
  return {}
}

/** Seconds to wait from a Retry-After header (delta-seconds or an HTTP date), if it says. */
export function retryAfterSeconds(header: string | null | undefined, now = Date.now()): number | undefined {
  if (!header) return undefined
  const text = header.trim()
  if (/^\d+$/.test(text)) return Number(text)
  const at = Date.parse(text)
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000))
}

function redact(text: string, apiKey: string | undefined): string {
  // the key as sent: api-key.ts trims it
  const key = apiKey?.trim()
  return key ? text.split(key).join('[redacted API key]') : text
}

function quote(status: number, body: FullStoryErrorBody, apiKey: string | undefined): string {
  const message =
    body.message && body.message.length > MAX_QUOTED ? body.message.slice(0, MAX_QUOTED) + '…' : body.message
  const parts = [String(status), body.code, message && `"${message}"`].filter(Boolean)
  return redact(parts.join(' '), apiKey)
}

/** The error for a non-2xx answer from FullStory. */
export function failureFromResponse(
  response: Pick<ModifiedResponse, 'status' | 'data' | 'content' | 'headers'>,
  operation: Operation,
  apiKey?: string
): Error {
  const { status } = response
  const body = errorBody(response)
  const said = `FullStory answered ${quote(status, body, apiKey)}`
  const { doing, role } = operations[operation]

  if (status === 401) {
    return new InvalidAuthenticationError(
      `FullStory rejected the API key (${said}). Check that the whole key is pasted into the destination's ` +
        `settings and that it has not been revoked; a new key can be created in FullStory under Settings > API Keys.`
    )
  }
  if (status === 403) {
    return new IntegrationError(
      `This FullStory API key's role may not ${doing} (${said}). Use a key with the ${role} role.`,
      body.code ?? 'forbidden',
      403
    )
  }
  if (status === 404) {
    return new IntegrationError(
      `FullStory could not find what was asked for (${said}). If the user was never identified, send it with ` +
        `Identify User first; if it was, check that the API key belongs to the FullStory org that holds the user.`,
      body.code ?? 'not_found',
      404
    )
  }
  if (status === 409) {
    // FullStory documents no 409; its idempotency page says a request that collides with an in-flight
    // request under the same Idempotency-Key is not saved, which is what a 409 would most likely mean
    // (a retry after a timeout, racing the first attempt). Retrying is the safe course: the retry gets
    // the first attempt's outcome, or runs again if that attempt failed. actions-core's RetryableError
    // cannot carry 409, so it is sent on as 423 (Locked), which Segment retries.
    return new RetryableError(
      `FullStory reported a conflict (${said}), most likely an earlier attempt of this request still in ` +
        `progress under the same Idempotency-Key; Segment will retry.`,
      423
    )
  }
  if (status === 429) {
    const wait = retryAfterSeconds(response.headers?.get('retry-after'))
    const when = wait === undefined ? 'later' : `after ${wait} seconds, as its Retry-After header asks`
    return new RetryableError(
      `FullStory is rate limiting this API key (${said}); Segment will retry ${when}. If this persists, ` +
        `the org may be over its server-event quota or running too many batch import jobs.`,
      429
    )
  }
  if (status >= 500) {
    const message = `FullStory failed to ${doing} (${said}); Segment will retry.`
    return RETRYABLE_STATUSES.has(status)
      ? new RetryableError(message, status as ConstructorParameters<typeof RetryableError>[1])
      : new APIError(message, status)
  }
  // 400 and any other 4xx: the request itself is wrong; retrying cannot help.
  return new IntegrationError(
    `FullStory rejected the request to ${doing} (${said}). Fix the mapping or the event; it is not retried.`,
    body.code ?? `http_${status}`,
    status
  )
}

/** The error for a request that got no HTTP answer at all (timeout, reset, refused). */
export function failureFromNetworkError(error: unknown, operation: Operation, apiKey?: string): Error {
  const { doing } = operations[operation]
  const err = error as { name?: string; code?: string; message?: string; type?: string }
  const isTimeout = err?.name === 'TimeoutError' || err?.code === 'ETIMEDOUT' || err?.type === 'request-timeout'
  if (isTimeout) {
    return new RetryableError(`FullStory did not answer in time while trying to ${doing}; Segment will retry.`, 408)
  }
  const reason = redact(String(err?.code || err?.message || err), apiKey)
  return new RetryableError(`Could not reach FullStory to ${doing} (${reason}); Segment will retry.`, 503)
}

/** True when `error` carries FullStory's error `code` (for example `session_page_limit_exceeded`). */
export function hasFullStoryCode(error: unknown, code: string): boolean {
  return error instanceof IntegrationError && error.code === code
}
