/**
 * FullStory session ids from what admins map into Session URL.
 *
 * A session id has the form `<deviceId>:<sessionId>` (FullStory's Create Event page,
 * https://developer.fullstory.com/server/events/create-event/, and docs/fullstory-api.md). It arrives
 * either raw (its colon plain or percent-encoded), or as the last path segment of a session replay
 * URL. The URL forms FullStory shows:
 *
 * - `https://app.fullstory.com/ui/<org>/session/<deviceId>%3A<sessionId>`: what the browser API's
 *   Get Session Details returns (https://developer.fullstory.com/browser/get-session-details/, v1
 *   `FS.getCurrentSessionURL()`); the colon may be percent-encoded or plain.
 * - `https://www.fullstory.com/ui/<org>/discover/session/<deviceId>:<sessionId>`: the `fsUrl` of the
 *   List Sessions API's examples (https://developer.fullstory.com/server/v1/sessions/list-sessions/ and
 *   https://help.fullstory.com/hc/en-us/articles/360020828893).
 * - The same on eu1 accounts' host `app.eu1.fullstory.com` (the app's address for eu1 orgs,
 *   https://developer.fullstory.com/server/getting-started/).
 *
 * Query strings, fragments and a trailing slash are ignored, and any path on these hosts whose
 * next-to-last segment is `session` is read the same way.
 *
 * Not understood: `.../client-session/<id>` URLs. Since 2023 Get Session Details may return these
 * (https://help.fullstory.com/hc/en-us/articles/14144212080151); FullStory does not document their
 * last segment as a `<deviceId>:<sessionId>` id, and says only the whole URL is part of its contract. They, like
 * anything else (another host, another path, a malformed id, an empty value), give `undefined`, so
 * the event is identified by its User ID instead (docs/troubleshooting.md). An id with more than one
 * colon is refused rather than guessed at: the user form still reaches the user's recent session.
 */

/** Hosts that serve FullStory's app (and so its session replay URLs), per data region. */
const APP_HOSTS = new Set(['app.fullstory.com', 'www.fullstory.com', 'app.eu1.fullstory.com'])

/** One part of a session id: letters, digits, `_` and `-`, at most 128 characters. */
const ID_PART = '[A-Za-z0-9_-]{1,128}'
const SESSION_ID = new RegExp(`^${ID_PART}:${ID_PART}$`)

/** The path segment before the id: `/ui/<org>/session/<id>`, `/ui/<org>/discover/session/<id>`. */
const SESSION_SEGMENT = 'session'

/** True when `id` has the shape of a FullStory session id (`<deviceId>:<sessionId>`). */
export function isSessionId(id: string): boolean {
  return SESSION_ID.test(id)
}

function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment)
  } catch {
    return undefined
  }
}

function sessionIdFromUrl(text: string): string | undefined {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return undefined
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined
  if (!APP_HOSTS.has(url.hostname)) return undefined
  const segments = url.pathname.split('/').filter((segment) => segment !== '')
  if (segments.length < 2 || segments[segments.length - 2] !== SESSION_SEGMENT) return undefined
  const id = decodeSegment(segments[segments.length - 1])
  return id !== undefined && isSessionId(id) ? id : undefined
}

/**
 * The FullStory session id in `input` (a raw `device:session` id or a FullStory session replay URL),
 * or `undefined` when there is none to be found.
 */
export function parseSessionId(input: string | null | undefined): string | undefined {
  if (typeof input !== 'string') return undefined
  const text = input.trim()
  if (text === '') return undefined
  if (isSessionId(text)) return text
  const decoded = decodeSegment(text)
  if (decoded !== undefined && isSessionId(decoded)) return decoded
  return sessionIdFromUrl(text)
}
