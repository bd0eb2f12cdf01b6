import {
  APIError,
  getErrorCodeFromHttpStatus,
  IntegrationError,
  InvalidAuthenticationError,
  RetryableError
} from '@segment/actions-core'
import type { ModifiedResponse } from '@segment/actions-core'
import { MAX_ANSWER_BYTES } from './limits'
import { redactPieces } from './redact'

/**
 * FullStory's answers turned into actions-core errors, one table: docs/troubleshooting.md. Every
 * message quotes FullStory's `code` and `message`, and never the API key (redact.ts).
 */

/** What the destination was doing; errors say it in words and name the key role it needs. */
export type Operation = 'testAuthentication' | 'sendUsers' | 'sendEvents' | 'deleteUsers'

/** What each operation is called, and the key role it needs (docs/troubleshooting.md, 403). */
const operations: Record<Operation, { doing: string; keyAdvice: string }> = {
  testAuthentication: {
    doing: 'check the API key',
    keyAdvice: 'Keys of every role (Standard, Architect, Admin) may do this; check the key under Settings > API Keys.'
  },
  sendUsers: { doing: 'send users', keyAdvice: 'Use a key with the Standard, Architect or Admin role.' },
  sendEvents: { doing: 'send events', keyAdvice: 'Use a key with the Standard, Architect or Admin role.' },
  deleteUsers: {
    doing: 'delete users',
    keyAdvice:
      "Use a key with the Admin role: FullStory's developer docs allow Admin or Architect keys to delete " +
      "users, its help centre's user-management article asks for an Admin key."
  }
}

/** The most of FullStory's message and code repeated (after redaction), and what a code looks like. */
const [MAX_QUOTED, MAX_QUOTED_CODE, CODE_SHAPE] = [500, 100, /^[A-Za-z0-9_.-]{1,64}$/]
const REDACTED = '[redacted API key]'

/** The statuses RetryableError's type names; at run time it keeps any status it is given. */
type RetryableStatus = ConstructorParameters<typeof RetryableError>[1]

export type FullStoryErrorBody = { code?: string; message?: string }

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
  const { code, message } = (data && typeof data === 'object' ? data : {}) as Record<string, unknown>
  return {
    code: typeof code === 'string' ? code : undefined,
    message: typeof message === 'string' ? message : undefined
  }
}

/** Seconds to wait from a Retry-After header (delta-seconds or an HTTP date), if it says. */
export function retryAfterSeconds(header: string | null | undefined, now = Date.now()): number | undefined {
  if (!header) return undefined
  const text = header.trim()
  if (/^\d+$/.test(text)) return Number(text)
  const at = Date.parse(text)
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000))
}

/** `text` without the API key, in any of the forms redact.ts looks for. */
export function redactApiKey(text: string, apiKey: string | undefined): string {
  const key = apiKey?.trim()
  return key ? redactPieces(text, [key], REDACTED) : text
}

/** `text` cut to at most `max` UTF-16 units (never inside a character), marked with `…` when cut. */
function cut(text: string, max: number): string {
  if (text.length <= max) return text
  const high = text.charCodeAt(max - 1) >= 0xd800 && text.charCodeAt(max - 1) <= 0xdbff
  return text.slice(0, high ? max - 1 : max) + '…'
}

/** FullStory's `code` and `message` as we may repeat them: key redacted first, then cut to length. */
function quotable(body: FullStoryErrorBody, apiKey: string | undefined): FullStoryErrorBody {
  return {
    code: body.code && cut(redactApiKey(body.code, apiKey), MAX_QUOTED_CODE),
    message: body.message && cut(redactApiKey(body.message, apiKey), MAX_QUOTED)
  }
}

/** The thrown error's code: FullStory's when it looks like one and held nothing to redact, else the status's. */
function errorCode(original: string | undefined, quoted: string | undefined, status: number): string {
  return original && original === quoted && CODE_SHAPE.test(original) ? original : getErrorCodeFromHttpStatus(status)
}

function quote(status: number | undefined, body: FullStoryErrorBody): string {
  return [status && String(status), body.code, body.message && `"${body.message}"`].filter(Boolean).join(' ')
}

/** FullStory's `code "message"` as we may repeat it: the API key redacted, cut to length. */
export function quoteFullStory(body: FullStoryErrorBody, apiKey: string | undefined): string {
  return quote(undefined, quotable(body, apiKey))
}

/** The error for a non-2xx answer from FullStory. */
export function failureFromResponse(
  response: Pick<ModifiedResponse, 'status' | 'data' | 'content' | 'headers'>,
  operation: Operation,
  apiKey?: string
): Error {
  const { status } = response
  const original = errorBody(response)
  const body = quotable(original, apiKey)
  const said = `FullStory answered ${quote(status, body)}`
  const code = errorCode(original.code, body.code, status)
  const { doing, keyAdvice } = operations[operation]

  if (status === 401) {
    return new InvalidAuthenticationError(
      `FullStory rejected the API key (${said}). Check that the whole key is pasted into the destination's ` +
        `settings and that it has not been revoked; a new key can be created in FullStory under Settings > API Keys.`
    )
  }
  if (status === 403) {
    return new IntegrationError(`This FullStory API key's role may not ${doing} (${said}). ${keyAdvice}`, code, 403)
  }
  if (status === 404) {
    return new IntegrationError(
      `FullStory could not find what was asked for (${said}). If the user was never identified, send it with ` +
        `Identify User first; if it was, check that the API key belongs to the FullStory org that holds the user.`,
      code,
      404
    )
  }
  if (status === 409) {
    // RetryableError cannot carry 409: 423, which Segment retries (docs/troubleshooting.md, 409).
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
  if (status === 501) {
    return new APIError(`FullStory cannot ${doing} this way (${said}); it is not retried.`, 501)
  }
  if (status >= 500) {
    return new RetryableError(`FullStory failed to ${doing} (${said}); Segment will retry.`, status as RetryableStatus)
  }
  return new IntegrationError(
    `FullStory rejected the request to ${doing} (${said}). Fix the mapping or the event; it is not retried.`,
    code,
    status
  )
}

/** The error for a redirect: FullStory's API does not redirect, so it is not followed. */
export function failureFromRedirect(
  response: Pick<ModifiedResponse, 'status' | 'headers'>,
  operation: Operation,
  apiKey?: string
): Error {
  let where = 'nowhere valid'
  try {
    where = new URL(response.headers?.get('location') ?? '').host || where
  } catch {
    // an unreadable Location says nothing more
  }
  const host = cut(redactApiKey(where, apiKey), MAX_QUOTED_CODE)
  return new RetryableError(
    `FullStory's API answered ${response.status} redirecting to ${host} while trying to ` +
      `${operations[operation].doing}; its API never redirects, so nothing was sent there (a proxy or DNS entry ` +
      'between Segment and FullStory may be answering instead); Segment will retry.',
    502
  )
}

/** The error for a request that got no complete answer (timeout, reset, refused, an answer too large). */
export function failureFromNetworkError(error: unknown, operation: Operation, apiKey?: string): Error {
  const { doing } = operations[operation]
  const err = error as { name?: string; code?: string; message?: string; type?: string }
  if (err?.type === 'max-size') {
    return new RetryableError(
      `FullStory's answer while trying to ${doing} was larger than ${MAX_ANSWER_BYTES} bytes, so it was not read; ` +
        'Segment will retry.',
      502
    )
  }
  // Our deadline or another abort (AbortError, RequestTimeoutError, RequestClientError), or a timer's.
  if (
    ['AbortError', 'TimeoutError', 'RequestTimeoutError', 'RequestClientError'].includes(err?.name ?? '') ||
    err?.code === 'ETIMEDOUT' ||
    err?.type === 'request-timeout' ||
    err?.type === 'body-timeout'
  ) {
    return new RetryableError(`FullStory did not answer in time while trying to ${doing}; Segment will retry.`, 408)
  }
  const reason = cut(redactApiKey(String(err?.code || err?.message || err), apiKey), MAX_QUOTED)
  return new RetryableError(`Could not reach FullStory to ${doing} (${reason}); Segment will retry.`, 503)
}

/** An error's message without the advice retryable ones end with (`; Segment will retry…`), for a delivered row. */
export const causeOf = (error: unknown): string =>
  String((error as Error)?.message).replace(/; Segment will retry.*$/, '')

/** True when `error` carries FullStory's error `code` (for example `session_page_limit_exceeded`). */
export function hasFullStoryCode(error: unknown, code: string): boolean {
  return error instanceof IntegrationError && error.code === code
}
