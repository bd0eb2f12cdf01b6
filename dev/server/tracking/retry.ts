import { retryAfterSeconds } from '../../../src/api/errors'
import type { Exchange } from '../exchanges'

/**
 * When a delivery fails in a way that a later attempt can fix (FullStory rate limiting, a 5xx, a
 * timeout, a dropped connection, an Idempotency-Key still in use), the server tries again itself,
 * a bounded number of times with a growing wait, or FullStory's Retry-After when that is short.
 * When that is not enough it answers the client with a status every Segment client library
 * retries (429 with Retry-After, or 503), so the event stays with the client until it is delivered.
 */
export interface RetryPolicy {
  /** Attempts per delivery, the first included (1: the server never retries). */
  attempts: number
  /** The wait before the first retry; each next one waits 4 times longer. */
  baseDelayMs: number
  /** The longest wait between attempts; a longer Retry-After goes back to the client. */
  maxDelayMs: number
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 3, baseDelayMs: 100, maxDelayMs: 1000 }

/** Statuses worth another attempt: Segment retries these (the destination's error table). */
export function isRetryable(status: number): boolean {
  return status === 408 || status === 423 || status === 429 || (status >= 500 && status !== 501)
}

/**
 * The status to answer a client with when a retryable failure outlasted the server's retries:
 * the failure's own if Segment's client libraries retry it, else 503.
 */
export function clientRetryStatus(status: number): number {
  if (status === 408 || status === 429) return status
  return status >= 500 && ![501, 505, 511].includes(status) ? status : 503
}

/** FullStory's Retry-After (seconds) from the last 429 among `exchanges`, if it gave one. */
export function retryAfterOf(exchanges: readonly Exchange[]): number | undefined {
  const limited = exchanges.filter((exchange) => exchange.response.statusCode === 429).pop()
  return limited ? retryAfterSeconds(limited.response.headers['retry-after']) : undefined
}

/** How long to wait before attempt `attempt + 1`, or undefined to stop retrying here. */
export function waitBeforeRetry(policy: RetryPolicy, attempt: number, retryAfter?: number): number | undefined {
  if (attempt >= policy.attempts) return undefined
  if (retryAfter !== undefined) {
    const wait = retryAfter * 1000
    return wait <= policy.maxDelayMs ? wait : undefined
  }
  return Math.min(policy.baseDelayMs * 4 ** (attempt - 1), policy.maxDelayMs)
}

/** A wait between attempts; it does not keep the process alive once the server has closed. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref())
