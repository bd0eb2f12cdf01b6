import { PayloadValidationError } from '@segment/actions-core'
import { characterCount, longerThan, MAX_UID_LENGTH } from './limits'
import { parseSessionId } from './session'
import type { EventSession, EventUser } from './types'

/**
 * Whose data it is: the User ID check both actions share, and the one identification form of an
 * event (docs/rules.md#session-url-and-use-recent-session).
 */

/** The User ID as FullStory's `uid`: `undefined` when missing or blank; too long is a PayloadValidationError. */
export function checkedUid(value: string | null | undefined): string | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined
  if (longerThan(value, MAX_UID_LENGTH)) {
    throw new PayloadValidationError(
      `User ID has ${characterCount(value)} characters; FullStory accepts at most ${MAX_UID_LENGTH}. Map User ID ` +
        'to a shorter stable identifier; nothing was sent.'
    )
  }
  return value
}

export interface IdentityInput {
  userId?: string | null
  sessionUrl?: string | null
  useRecentSession?: boolean | null
}

export interface IdentityOptions {
  /** Send an event with neither as FullStory's anonymous event, as the published Track Event V2 did. */
  anonymous?: boolean
}

/** The identification members of a FullStory event request. */
export interface EventIdentity {
  user?: EventUser
  session?: EventSession
}

export interface Identification {
  identity: EventIdentity
  /** The user form, for a session FullStory says is full. */
  fallback?: EventIdentity
  /** Why a Session URL that is set was not used. */
  note?: string
}

function userForm(uid: string, useRecentSession: boolean): EventIdentity {
  return useRecentSession ? { user: { uid }, session: { use_most_recent: true } } : { user: { uid } }
}

/** How the event is identified to FullStory; throws PayloadValidationError when it cannot be. */
export function identifyEvent(input: IdentityInput, options: IdentityOptions = {}): Identification {
  const uid = checkedUid(input.userId)
  const sessionId = parseSessionId(input.sessionUrl)
  // Only an explicit true: a subscription saved before the field existed keeps the published behaviour.
  const useRecentSession = input.useRecentSession === true
  if (sessionId !== undefined) {
    const identity: EventIdentity = { session: { id: sessionId } }
    return uid === undefined ? { identity } : { identity, fallback: userForm(uid, useRecentSession) }
  }
  const unreadable = typeof input.sessionUrl === 'string' && input.sessionUrl.trim() !== ''
  const why = 'Session URL holds no FullStory session id ("deviceId:sessionId" as its last path segment)'
  if (uid !== undefined) {
    const identity = userForm(uid, useRecentSession)
    return unreadable ? { identity, note: `${why}, so the event was sent by User ID.` } : { identity }
  }
  if (options.anonymous) {
    const anonymous = 'The event has no User ID, so FullStory records it under a new anonymous user.'
    return { identity: {}, note: unreadable ? `${why}. ${anonymous}` : anonymous }
  }
  throw new PayloadValidationError(
    `FullStory cannot tell whose event this is: it has no User ID and ${
      unreadable ? why.replace('Session URL holds', 'its Session URL holds') : 'it has no Session URL'
    }. Map User ID (for example to userId) or Session URL; without either FullStory would record every event ` +
      'under a new anonymous user, so the event was not sent.'
  )
}
