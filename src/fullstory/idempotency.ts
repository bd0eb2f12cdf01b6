import { createHash } from 'crypto'

/**
 * The `Idempotency-Key` header value for a key (by default the Segment messageId, which a client
 * may set to any string).
 *
 * A key of 1 to MAX_PLAIN_KEY_LENGTH visible ASCII characters is sent as it is. Any other key (one
 * with spaces, control characters or non-ASCII letters, which HTTP headers cannot carry or would
 * trim, or a very long one) is sent as the SHA-256 of its UTF-8 bytes. Without this, the request
 * could not be sent at all and every retry would fail the same way. So is the key `undefined`, a
 * header value that actions-core's request client takes as "remove this header". The hash is
 * deterministic, so a retried delivery of the same event still carries the same key.
 */
export const MAX_PLAIN_KEY_LENGTH = 255

const PLAIN_KEY = /^[\x21-\x7e]+$/

export function idempotencyHeaderValue(key: string): string {
  if (key.length <= MAX_PLAIN_KEY_LENGTH && PLAIN_KEY.test(key) && key !== 'undefined') return key
  return `sha256-${createHash('sha256').update(key, 'utf8').digest('hex')}`
}

/**
 * The key an event asks for: the Idempotency Key field's value when it is not empty. A blank one
 * (spaces only) still tells retries of one event apart from other events, so it is kept and sent
 * hashed by idempotencyHeaderValue.
 */
export function requestedKey(field: string | null | undefined): string | undefined {
  return typeof field === 'string' && field !== '' ? field : undefined
}
