// The tests' own digest of the exact bytes sent, so that Idempotency-Keys are checked independently of
// src/api/idempotency.ts (a digest of request bodies, not of personal data).
import crypto from 'crypto'

const sha256 = (text: string) => crypto.createHash('sha256').update(text, 'utf8').digest('hex')

/**
 * The Idempotency-Key of one delivery, as FullStory should receive it: the message key, a colon and
 * the first 32 hex characters of the SHA-256 of `<path>\n<body>`; `sha256-<hex>` of the three when
 * the message key cannot travel in a header as it is.
 */
export function expectedDeliveryKey(messageKey: string, path: string, body: string | object): string {
  const text = typeof body === 'string' ? body : JSON.stringify(body)
  const scope = sha256(`${path}\n${text}`).slice(0, 32)
  const plain = /^[\x21-\x7e]+$/.test(messageKey) && messageKey.length + 33 <= 255
  return plain ? `${messageKey}:${scope}` : `sha256-${sha256(`${messageKey}\n${path}\n${text}`)}`
}

/** The Idempotency-Key of a batch import job from its rows' delivery keys. */
export function expectedJobKey(kind: 'users' | 'events', rowKeys: string[]): string {
  return `segment-${kind}-job-${sha256([kind, ...rowKeys].join('\n'))}`
}
