import { PayloadValidationError } from '@segment/actions-core'
import { parseSessionId } from './session'
import type { EventSession, EventUser } from './types'
import { checkedUid } from './uid'

/**
 * The identification rule for events (docs/rules.md#session-url-and-use-recent-session): exactly one
 * form per request, because FullStory rejects mixed forms
 * (https://developer.fullstory.com/server/events/introduction/; docs/fullstory-api.md).
 *
 * 1. Session URL holds a session id: `session: { id }` and no `user`.
 * 2. Else a User ID: `user: { uid }`, plus `session: { use_most_recent: true }` when Use Recent Session
 *    is on; with it off there is no `session` at all (FullStory reads a `false` there as unsupported).
 * 3. Neither: PayloadValidationError, since FullStory would record the event under a new anonymous user.
 * 4. Form 1 with a User ID known also carries form 2 as `fallback`, for a session that is full
 *    (`session_page_limit_exceeded`).
 *
 * One function, so the single-event path and batch rows identify events alike.
 */

export interface IdentityInput {
  userId?: string | null
  sessionUrl?: string | null
  useRecentSession?: boolean | null
}

/** The identification members of a FullStory event request. */
export interface EventIdentity {
  user?: EventUser
  session?: EventSession
}

export interface Identification {
  /** The form to send. */
  identity: EventIdentity
  /** The user form to send instead when FullStory says the session of `identity` is full. */
  fallback?: EventIdentity
}

function userForm(uid: string, useRecentSession: boolean): EventIdentity {
  return useRecentSession ? { user: { uid }, session: { use_most_recent: true } } : { user: { uid } }
}

/** How the event is identified to FullStory; throws PayloadValidationError when it cannot be. */
export function identifyEvent(input: IdentityInput): Identification {
  const uid = checkedUid(input.userId)
  const sessionId = parseSessionId(input.sessionUrl)
  // Only an explicit true: a subscription saved before the field existed leaves it unset, and the
  // published destination then sent no session (docs/migrating.md).
  const useRecentSession = input.useRecentSession === true

  if (sessionId !== undefined) {
    const identity: EventIdentity = { session: { id: sessionId } }
    return uid === undefined ? { identity } : { identity, fallback: userForm(uid, useRecentSession) }
  }
  if (uid !== undefined) return { identity: userForm(uid, useRecentSession) }

  const sessionNote =
    typeof input.sessionUrl === 'string' && input.sessionUrl.trim() !== ''
      ? 'its Session URL is not a FullStory session replay URL or a "deviceId:sessionId" id'
      : 'it has no Session URL'
  throw new PayloadValidationError(
    `FullStory cannot tell whose event this is: it has no User ID and ${sessionNote}. Map User ID (for example ` +
      'to userId) or Session URL; without either FullStory would record every event under a new anonymous user, ' +
      'so the event was not sent.'
  )
}
