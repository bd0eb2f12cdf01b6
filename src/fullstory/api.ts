import type { ModifiedResponse, RequestClient } from '@segment/actions-core'
import { failureFromResponse, failureFromNetworkError, type Operation } from './errors'
import { idempotencyHeaderValue } from './idempotency'
import { sendableApiKey } from './api-key'

/**
 * The one place that knows FullStory's host, paths and headers, and the one place that sends.
 *
 * `api.fullstory.com` routes EU (eu1) accounts itself, so there is no region setting.
 * `FULLSTORY_API_URL` and `FULLSTORY_TIMEOUT_MS` exist only so the local runtime (`npm start`) and
 * the tests can point the destination at the FullStory simulator and shorten the wait for an answer;
 * Segment's runtime sets neither.
 */
export const FULLSTORY_API_URL = 'https://api.fullstory.com'

/** How long to wait for FullStory's answer (actions-core's own default). */
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

/** FullStory's endpoints, each with the operation its errors speak of. */
export const endpoints = {
  me: { method: 'GET', path: '/me', operation: 'testAuthentication' },
  createUser: { method: 'POST', path: '/v2/users', operation: 'sendUsers' },
  createEvent: { method: 'POST', path: '/v2/events', operation: 'sendEvents' },
  deleteUser: { method: 'DELETE', path: '/v2/users', operation: 'deleteUsers' },
  createUsersJob: { method: 'POST', path: '/v2/users/batch', operation: 'sendUsers' },
  createEventsJob: { method: 'POST', path: '/v2/events/batch', operation: 'sendEvents' }
} as const satisfies Record<string, { method: string; path: string; operation: Operation }>

export type Endpoint = (typeof endpoints)[keyof typeof endpoints]

export interface CallOptions {
  /** The request body, sent as JSON. */
  json?: unknown
  /** Sent as the `Idempotency-Key` header (POST endpoints only). */
  idempotencyKey?: string
  /** Query parameters. */
  searchParams?: Record<string, string>
  /** The API key, so that no error message can ever repeat it. */
  apiKey: string
}

/**
 * Sends one request to FullStory and returns its 2xx response. Every other outcome (an HTTP
 * error, a timeout, a dropped connection) is thrown as the actions-core error of `errors.ts`.
 */
export async function callFullStory<Data = unknown>(
  request: RequestClient,
  endpoint: Endpoint,
  options: CallOptions
): Promise<ModifiedResponse<Data>> {
  let response: ModifiedResponse<Data>
  try {
    response = await request<Data>(baseUrl() + endpoint.path, {
      method: endpoint.method,
      json: options.json,
      searchParams: options.searchParams,
      headers: options.idempotencyKey
        ? { 'Idempotency-Key': idempotencyHeaderValue(options.idempotencyKey) }
        : undefined,
      throwHttpErrors: false,
      timeout: requestTimeout()
    })
  } catch (error) {
    throw failureFromNetworkError(error, endpoint.operation, options.apiKey)
  }
  if (response.status >= 200 && response.status < 300) return response
  throw failureFromResponse(response, endpoint.operation, options.apiKey)
}
