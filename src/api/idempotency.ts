import crypto from 'crypto'

/**
 * FullStory's Idempotency-Key: one per delivery, the message's key scoped to the endpoint and the
 * exact body sent (docs/rules.md#idempotency-key). The digests are of request bodies, not of
 * personal data, so the monorepo's PII hashing helper does not apply.
 */

/** The longest key we send (FullStory publishes no limit). */
export const MAX_KEY_LENGTH = 255

/** Hex characters of the scope digest: 128 bits, so that two deliveries never meet by chance. */
const SCOPE_DIGEST_LENGTH = 32

/** Visible ASCII only: what an HTTP header carries as it is. */
const PLAIN_KEY = /^[\x21-\x7e]+$/

/** Hex SHA-256: one-shot `crypto.hash` (Node 20.12+; faster, docs/benchmarks.md), else a Hash object (Node 18). */
const sha256: (data: string | Buffer) => string = crypto.hash
  ? (data) => crypto.hash('sha256', data)
  : (data) => crypto.createHash('sha256').update(data).digest('hex')

/** The message's key from the Idempotency Key field: a non-empty string, else none. */
export function messageKey(field: string | null | undefined): string | undefined {
  return typeof field === 'string' && field !== '' ? field : undefined
}

/** One delivery: its body as UTF-8 bytes, and its Idempotency-Key when its message has a key. */
export interface KeyedBody {
  body: Buffer
  idempotencyKey?: string
}

/** `<message key>:<digest>`, or `sha256-<digest>` with the key folded in when a header cannot carry it. */
function keyForm(key: string, endpointPath: string): { scope: string; key(digest: string): string } {
  if (key.length + 1 + SCOPE_DIGEST_LENGTH <= MAX_KEY_LENGTH && PLAIN_KEY.test(key)) {
    return { scope: `${endpointPath}\n`, key: (digest) => `${key}:${digest.slice(0, SCOPE_DIGEST_LENGTH)}` }
  }
  return { scope: `${key}\n${endpointPath}\n`, key: (digest) => `sha256-${digest}` }
}

/** A one-row delivery's bytes and key: the scope and the body encoded once, the body's bytes its tail. */
export function keyedBody(key: string | undefined, endpointPath: string, body: string): KeyedBody {
  if (key === undefined) return { body: Buffer.from(body, 'utf8') }
  const form = keyForm(key, endpointPath)
  const bytes = Buffer.from(form.scope + body, 'utf8')
  return { body: bytes.subarray(Buffer.byteLength(form.scope, 'utf8')), idempotencyKey: form.key(sha256(bytes)) }
}

/** The delivery key of a batch row, from its text. */
export function deliveryKey(key: string, endpointPath: string, body: string): string {
  const form = keyForm(key, endpointPath)
  return form.key(sha256(form.scope + body))
}

/** A batch import job's key: a digest of its rows' delivery keys, so a retried batch is the same job. */
export function jobKey(kind: string, rowKeys: readonly string[]): string {
  return `segment-${kind}-job-${sha256([kind, ...rowKeys].join('\n'))}`
}
