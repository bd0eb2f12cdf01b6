// Idempotency keys are not personal data, so the rule that steers PII hashing to the monorepo's
// processHashing helper does not apply: a plain digest is what is needed here.
// eslint-disable-next-line no-restricted-syntax -- see above
import { createHash, hash } from 'crypto'

/**
 * FullStory's Idempotency-Key (https://developer.fullstory.com/server/idempotent-requests/): FullStory
 * remembers a key for 24 hours, answers a request that repeats it with the first answer, and refuses
 * the same key with another body. One Segment message can feed several deliveries of this
 * destination (two Track Custom Event mappings on one track call; a saved Track Event V2
 * subscription beside a Track Custom Event one), each with its own body. So the key sent names one
 * delivery: the message's key (the Idempotency Key field, by default the messageId) scoped to the
 * endpoint and the exact body sent. Segment's retries of a delivery send the same bytes, so they carry
 * the same key and are replays; two deliveries that differ in anything get two keys; two that send
 * the very same request to the same endpoint are one event, and FullStory stores it once.
 */

/** The longest key we send (FullStory publishes no limit; HTTP servers commonly cap header values far above). */
export const MAX_KEY_LENGTH = 255

/** Hex characters of the scope digest: 128 bits, so that two deliveries never meet by chance. */
const SCOPE_DIGEST_LENGTH = 32

/** Visible ASCII only: an HTTP header cannot carry control characters, and trims spaces. */
const PLAIN_KEY = /^[\x21-\x7e]+$/

/**
 * The hex SHA-256 of text (as UTF-8) or bytes: Node's one-shot `crypto.hash` (Node 20.12 and later,
 * about three times faster on a body of a kilobyte or two), else a Hash object.
 */
function sha256(data: string | Buffer): string {
  return typeof hash === 'function' ? hash('sha256', data) : createHash('sha256').update(data).digest('hex')
}

/**
 * The message's key from the Idempotency Key field: its value when it is a non-empty string (a blank
 * one still tells one message from another), otherwise none, and no Idempotency-Key is sent.
 */
export function messageKey(field: string | null | undefined): string | undefined {
  return typeof field === 'string' && field !== '' ? field : undefined
}

/** One delivery: its body as UTF-8 bytes, and its Idempotency-Key when its message has a key. */
export interface KeyedBody {
  body: Buffer
  idempotencyKey?: string
}

/**
 * A delivery's Idempotency-Key: `<message key>:<digest of endpoint and body>`, readable in FullStory's
 * and our logs. A message key that a header cannot carry as it is (non-ASCII, spaces, control
 * characters, or too long) is folded into the digest instead: `sha256-<hex>`. Deterministic.
 *
 * The digest is of `<endpoint>\n<body>` (or `<key>\n<endpoint>\n<body>`) as UTF-8.
 */
interface KeyForm {
  /** What the digest covers before the body. */
  scope: string
  /** The key from the digest's hex. */
  key(digest: string): string
}

function keyForm(key: string, endpointPath: string): KeyForm {
  if (key.length + 1 + SCOPE_DIGEST_LENGTH <= MAX_KEY_LENGTH && PLAIN_KEY.test(key)) {
    return { scope: `${endpointPath}\n`, key: (digest) => `${key}:${digest.slice(0, SCOPE_DIGEST_LENGTH)}` }
  }
  return { scope: `${key}\n${endpointPath}\n`, key: (digest) => `sha256-${digest}` }
}

/**
 * The body of one delivery as the bytes sent, with the delivery's Idempotency-Key (deliveryKey) when
 * its message has a key: one buffer, the scope and the body, is encoded and hashed, and its tail is
 * the body sent, so that the body is encoded once for both.
 */
export function keyedBody(key: string | undefined, endpointPath: string, body: string): KeyedBody {
  if (key === undefined) return { body: Buffer.from(body, 'utf8') }
  const form = keyForm(key, endpointPath)
  const bytes = Buffer.from(form.scope + body, 'utf8')
  return { body: bytes.subarray(Buffer.byteLength(form.scope, 'utf8')), idempotencyKey: form.key(sha256(bytes)) }
}

/**
 * The Idempotency-Key of one delivery (see KeyForm), from its body's text: for a batch row, whose
 * bytes are written once, straight into the job's body (batch.ts).
 */
export function deliveryKey(key: string, endpointPath: string, body: string): string {
  const form = keyForm(key, endpointPath)
  return form.key(sha256(form.scope + body))
}

/**
 * The Idempotency-Key of a batch import job: a digest of its rows' delivery keys in order, so that
 * the same batch retried is the same job to FullStory, never a second one.
 */
export function jobKey(kind: string, rowKeys: readonly string[]): string {
  return `segment-${kind}-job-${sha256([kind, ...rowKeys].join('\n'))}`
}
