import http from 'http'
import https from 'https'
import type { ClientRequest } from 'http'
import type { Agent as HttpsAgent } from 'https'
import { InvalidAuthenticationError } from '@segment/actions-core'
import type { ModifiedResponse, RequestClient, RequestOptions } from '@segment/actions-core'
import { failureFromNetworkError, failureFromRedirect, failureFromResponse } from './errors'
import type { Operation } from './errors'
import { keyedBody } from './idempotency'
import type { KeyedBody } from './idempotency'
import { MAX_ANSWER_BYTES } from './limits'
import { FULLSTORY_API_VERSION } from '../versioning-info'

/**
 * The one place that knows FullStory's host, paths and headers, and the one place that sends
 * (docs/rules.md#requests). `api.fullstory.com` routes EU (eu1) accounts itself.
 */
export const FULLSTORY_API_URL = 'https://api.fullstory.com'

/** How long a call may take, its answer read in full (actions-core's own default request timeout). */
export const REQUEST_TIMEOUT_MS = 10_000

const V = `/${FULLSTORY_API_VERSION}`

/** FullStory's endpoints, each with the operation its errors speak of. */
export const endpoints = {
  me: { method: 'GET', path: '/me', operation: 'testAuthentication' },
  createUser: { method: 'POST', path: `${V}/users`, operation: 'sendUsers' },
  createEvent: { method: 'POST', path: `${V}/events`, operation: 'sendEvents' },
  deleteUser: { method: 'DELETE', path: `${V}/users`, operation: 'deleteUsers' },
  createUsersJob: { method: 'POST', path: `${V}/users/batch`, operation: 'sendUsers' },
  createEventsJob: { method: 'POST', path: `${V}/events/batch`, operation: 'sendEvents' },
  usersJob: { method: 'GET', path: `${V}/users/batch/`, operation: 'sendUsers' },
  eventsJob: { method: 'GET', path: `${V}/events/batch/`, operation: 'sendEvents' }
} as const

export type Endpoint = { method: 'GET' | 'POST' | 'DELETE'; path: string; operation: Operation }

/** A call: the API key, the body with its Idempotency-Key (`delivery`), a path's tail, and less time if need be. */
export type CallOptions = Partial<KeyedBody> & {
  apiKey: string
  subpath?: string
  searchParams?: Record<string, string>
  timeoutMs?: number
}

/** The API key as sent: trimmed, and refused when a header cannot carry it (the error never quotes it). */
export function sendableApiKey(apiKey: string): string {
  const key = typeof apiKey === 'string' ? apiKey.trim() : ''
  if (/^[\x21-\x7e]+$/.test(key)) return key
  throw new InvalidAuthenticationError(
    'The FullStory API key in the destination settings holds characters an API key cannot have (spaces, line ' +
      'breaks or non-ASCII characters). Paste the key again exactly as FullStory shows it (Settings > API Keys).'
  )
}

/** The headers of every request. */
export function headers(apiKey: string, idempotencyKey?: string): Record<string, string> {
  const sent: Record<string, string> = {
    Authorization: `Basic ${sendableApiKey(apiKey)}`,
    'Content-Type': 'application/json',
    'Integration-Source': 'segment'
  }
  if (idempotencyKey !== undefined) sent['Idempotency-Key'] = idempotencyKey
  return sent
}

/** A one-row request's body as JSON bytes, with this delivery's Idempotency-Key when the message has a key. */
export function delivery(endpoint: Endpoint, json: unknown, messageKey: string | undefined): KeyedBody {
  return keyedBody(messageKey, endpoint.path, JSON.stringify(json))
}

/** Thrown when a call outlasts REQUEST_TIMEOUT_MS. */
class DeadlineError extends Error {
  readonly name = 'TimeoutError'
}

/**
 * An agent that hands each request to Node's shared keep-alive agents and tells `onRequest` about
 * it. actions-core's request client takes no abort signal per request (it merges one into Segment's
 * own), so this is how the deadline reaches the request's socket. actions-core destroys the agent it
 * is given after each answer: that must not reach the shared ones.
 */
class TrackingAgent {
  // What http's ClientRequest reads of an agent: the shared agents keep connections alive.
  readonly keepAlive = true
  readonly maxSockets = Infinity
  constructor(private readonly onRequest: (sent: ClientRequest) => void) {}
  addRequest(sent: ClientRequest, options: { protocol?: string }) {
    this.onRequest(sent)
    const shared = (options.protocol === 'http:' ? http.globalAgent : https.globalAgent) as unknown as {
      addRequest(sent: ClientRequest, options: unknown): void
    }
    shared.addRequest(sent, options)
  }
  destroy() {
    // the shared agents live on
  }
}

/** Sends one request and returns its 2xx response, else throws the error of errors.ts (docs/rules.md#requests). */
export async function callFullStory<Data = unknown>(
  request: RequestClient,
  endpoint: Endpoint,
  options: CallOptions
): Promise<ModifiedResponse<Data>> {
  const sentHeaders = headers(options.apiKey, options.idempotencyKey)
  let sent: ClientRequest | undefined
  let timer: NodeJS.Timeout | undefined
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      sent?.destroy()
      reject(new DeadlineError())
    }, Math.min(options.timeoutMs ?? REQUEST_TIMEOUT_MS, REQUEST_TIMEOUT_MS))
  })
  // One literal (a spread cost single events 8%, docs/benchmarks.md); `size` is node-fetch's, not RequestOptions'.
  const sending: RequestOptions & { size: number } = {
    size: MAX_ANSWER_BYTES,
    method: endpoint.method,
    headers: sentHeaders,
    body: options.body,
    searchParams: options.searchParams,
    agent: new TrackingAgent((request) => (sent = request)) as unknown as HttpsAgent,
    timeout: false,
    redirect: 'manual',
    throwHttpErrors: false,
    skipResponseCloning: true
  }
  let response: ModifiedResponse<Data>
  try {
    const pending = request<Data>(FULLSTORY_API_URL + endpoint.path + (options.subpath ?? ''), sending)
    response = await Promise.race([pending, expired])
  } catch (error) {
    sent?.destroy()
    throw failureFromNetworkError(error, endpoint.operation, options.apiKey)
  } finally {
    clearTimeout(timer)
  }
  if (response.status >= 200 && response.status < 300) return response
  if (response.status >= 300 && response.status < 400)
    throw failureFromRedirect(response, endpoint.operation, options.apiKey)
  throw failureFromResponse(response, endpoint.operation, options.apiKey)
}

/** A response as the action's answer, or, when part of the payload was not used, FullStory's answer and why. */
export function withNote<Data>(response: ModifiedResponse<Data>, note: string | undefined) {
  return note ? { fullstory: response.data, note } : response
}
