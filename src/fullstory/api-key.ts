import { InvalidAuthenticationError } from '@segment/actions-core'

/**
 * The API key as it goes into the `Authorization` header. Spaces and line breaks around it (a
 * pasting slip) are removed. A key that still holds characters no FullStory key has (spaces, control
 * characters, non-ASCII letters) cannot be sent in an HTTP header at all: that is an
 * InvalidAuthenticationError here, which never quotes the key, rather than the request client's
 * TypeError, which would quote it.
 */
export function sendableApiKey(apiKey: string): string {
  const key = typeof apiKey === 'string' ? apiKey.trim() : ''
  if (/^[\x21-\x7e]+$/.test(key)) return key
  throw new InvalidAuthenticationError(
    'The FullStory API key in the destination settings holds characters an API key cannot have (spaces, line ' +
      'breaks or non-ASCII characters). Paste the key again exactly as FullStory shows it (Settings > API Keys).'
  )
}
