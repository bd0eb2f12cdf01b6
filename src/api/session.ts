/**
 * FullStory session ids (`<deviceId>:<sessionId>`) from what admins map into Session URL
 * (docs/rules.md#session-url-and-use-recent-session).
 */

const SESSION_ID = /^[A-Za-z0-9_-]{1,128}:[A-Za-z0-9_-]{1,128}$/

function decoded(text: string): string | undefined {
  try {
    return decodeURIComponent(text)
  } catch {
    return undefined
  }
}

/**
 * The session id in a raw id or in the last path segment of a URL or path (query, fragment and
 * trailing slashes aside; the colon plain or percent-encoded), or `undefined` when there is none.
 */
export function parseSessionId(input: string | null | undefined): string | undefined {
  if (typeof input !== 'string') return undefined
  const path = input
    .trim()
    .replace(/[?#][\s\S]*$/, '')
    .replace(/\/+$/, '')
  const id = decoded(path.slice(path.lastIndexOf('/') + 1))
  return id !== undefined && SESSION_ID.test(id) ? id : undefined
}
