import type { ModifiedResponse, RequestClient } from '@segment/actions-core'
import { failureFromResponse, failureFromNetworkError, type Operation } from './errors'
import { keyedBody, type KeyedBody } from './idempotency'
import { sendableApiKey } from './api-key'
import { FULLSTORY_API_VERSION } from '../versioning-info'

/**
 * The one place that knows FullStory's host, paths and headers, and the one place that sends.
 *
 * `api.fullstory.com` routes EU (eu1) accounts itself, so there is no region setting.
 * `FULLSTORY_API_URL` and `FULLSTORY_TIMEOUT_MS` exist only so the local runtime (`npm start`) and
 * the tests can point the destination at the FullStory simulator and shorten the wait for an answer;
 * Segment's runtime sets neither.
 */
export const FULLSTORY_API_URL = 'https://api.fullstory.com'

/** How long a call may take, its answer read in full (actions-core's own default request timeout). */
export const REQUEST_TIMEOUT_MS = 10_000

export function baseUrl(): string {
  return process.env.FULLSTORY_API_URL || FULLSTORY_API_URL
}

function requestTimeout(): number {
  return Number(process.env.FULLSTORY_TIMEOUT_MS) || REQUEST_TIMEOUT_MS
}

/** Headers sent on every request (the destination's `extendRequest`). */
export function authHeaders(apiKey: string): Record<string, string> {
  return {
    Authorization: `Basic ${sendableApiKey(apiKey)}`,
    'Integration-Source': 'segment',
    'Content-Type': 'application/json'
  }
}

/** The versioned paths: `/v2/...` (src/versioning-info.ts). */
const V = `/${FULLSTORY_API_VERSION}` as const

/** FullStory's endpoints, each with the operation its errors speak of. */
export const endpoints = {
  me: { method: 'GET', path: '/me', operation: 'testAuthentication' },
  createUser: { method: 'POST', path: `${V}/users`, operation: 'sendUsers' },
  createEvent: { method: 'POST', path: `${V}/events`, operation: 'sendEvents' },
  deleteUser: { method: 'DELETE', path: `${V}/users`, operation: 'deleteUsers' },
  createUsersJob: { method: 'POST', path: `${V}/users/batch`, operation: 'sendUsers' },
  createEventsJob: { method: 'POST', path: `${V}/events/batch`, operation: 'sendEvents' }
} as const satisfies Record<string, { method: string; path: string; operation: Operation }>

export type Endpoint = (typeof endpoints)[keyof typeof endpoints]

export interface CallOptions {
  /** The request body: JSON text, or its UTF-8 bytes. */
  body?: string | Buffer
  /** Sent as the `Idempotency-Key` header (POST endpoints only). */
  idempotencyKey?: string
  /** Query parameters. */
  searchParams?: Record<string, string>
  /** The API key, so that no error message can ever repeat it. */
  apiKey: string
}

/**
 * The body of a one-row request (`POST /v2/users`, `POST /v2/events`) as JSON bytes, and the
 * Idempotency-Key of this delivery when the message has a key (idempotency.ts).
 */
export function delivery(endpoint: Endpoint, json: unknown, messageKey: string | undefined): KeyedBody {
  return keyedBody(messageKey, endpoint.path, JSON.stringify(json))
}

/** What `callFullStory` hands to `errors.ts` when the whole call outlasts its time. */
class CallTimeoutError extends Error {
  readonly name = 'TimeoutError'
  constructor(ms: number) {
    super(`no complete answer within ${ms} ms`)
  }
}

/**
 * `pending`, or a CallTimeoutError once `ms` have passed. actions-core's `timeout` bounds the wait
 * for the answer's headers (and then aborts the request), node-fetch's the reading of its body, each
 * on its own clock, so together they could take twice `ms`; this bounds the whole call. A body still
 * arriving after that is left to node-fetch's own timeout.
 */
async function withinTime<T>(pending: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new CallTimeoutError(ms)), ms)
  })
  try {
    return await Promise.race([pending, expired])
  } finally {
    clearTimeout(timer)
  }
}

/**
 * Sends one request to FullStory and returns its 2xx response. Every other outcome (an HTTP
 * error, a timeout, a dropped connection) is thrown as the actions-core error of `errors.ts`.
 *
 * The answer's body is read once (`skipResponseCloning`): actions-core otherwise reads a clone of
 * it, and node-fetch stops feeding a clone once about 64 KiB wait unread in the original, so a large
 * answer (an HTML error page, a long JSON body) never settled. Either way actions-core fills
 * `response.content` with the text and `response.data` with the parsed JSON (for a JSON content
 * type; else the text), which is what `errors.ts` reads; the response's own body is used up, so
 * nothing may call `response.json()` or `response.text()` on it.
 */
export async function callFullStory<Data = unknown>(
  request: RequestClient,
  endpoint: Endpoint,
  options: CallOptions
): Promise<ModifiedResponse<Data>> {
  let response: ModifiedResponse<Data>
  const timeout = requestTimeout()
  try {
    const pending = request<Data>(baseUrl() + endpoint.path, {
      method: endpoint.method,
      body: options.body,
      searchParams: options.searchParams,
      headers: options.idempotencyKey ? { 'Idempotency-Key': options.idempotencyKey } : undefined,
      throwHttpErrors: false,
      timeout,
      skipResponseCloning: true
    })
    response = await withinTime(pending, timeout)
  } catch (error) {
    throw failureFromNetworkError(error, endpoint.operation, options.apiKey)
  }
  if (response.status >= 200 && response.status < 300) return response
  throw failureFromResponse(response, endpoint.operation, options.apiKey)
}
