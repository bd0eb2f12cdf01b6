import { PayloadValidationError } from '@segment/actions-core'
import type { RequestClient } from '@segment/actions-core'
import { callFullStory, delivery, endpoints, withNote } from './client'
import { buildEventContext } from './context'
import type { ContextInput } from './context'
import { hasFullStoryCode } from './errors'
import { messageKey } from './idempotency'
import { identifyEvent } from './identity'
import type { EventIdentity, IdentityInput, IdentityOptions } from './identity'
import { longerThan, MAX_EVENT_NAME_LENGTH } from './limits'
import { normalizeProperties } from './properties'
import type { NormalizeOptions } from './properties'
import { parseTimestamp } from './timestamp'
import type { CreateEventRequest } from './types'

/** What Track Custom Event's fields give (docs/rules.md#event-name and the sections after it). */
export interface EventInput extends IdentityInput {
  name?: string | null
  properties?: Record<string, unknown> | null
  timestamp?: string | number | null
  context?: ContextInput | null
  propertyTypes?: Record<string, unknown> | null
  idempotencyKey?: string | null
}

/** FullStory's error code for a session that holds too many events to take more. */
export const SESSION_FULL_CODE = 'session_page_limit_exceeded'

/** The event name to send: trimmed, at most MAX_EVENT_NAME_LENGTH characters; throws when empty. */
export function eventName(name: string | null | undefined): string {
  const trimmed = typeof name === 'string' ? name.trim() : ''
  if (trimmed === '') {
    throw new PayloadValidationError(
      'Event Name is empty; FullStory requires every event to have a name. Map Event Name (by default the ' +
        "track call's event) to a non-empty value; the event was not sent."
    )
  }
  return longerThan(trimmed, MAX_EVENT_NAME_LENGTH) ? [...trimmed].slice(0, MAX_EVENT_NAME_LENGTH).join('') : trimmed
}

export type EventOptions = IdentityOptions & Pick<NormalizeOptions, 'legacyNames'>

export interface BuiltEvent {
  request: CreateEventRequest
  /** The same event in the user form, for a session that is full; only when a User ID is known. */
  fallback?: CreateEventRequest
  /** Why part of the payload was not used (a Session URL that holds no session). */
  note?: string
}

/** The request for one event, its members always in one order (the same payload, the same bytes). */
export function eventRequest(input: EventInput, options: EventOptions = {}): BuiltEvent {
  const name = eventName(input.name)
  const { identity, fallback, note } = identifyEvent(input, options)
  const normalized = normalizeProperties(input.properties, input.propertyTypes ?? undefined, options)
  const { properties, schema } = normalized
  const timestamp = parseTimestamp(input.timestamp)
  const context = buildEventContext(input.context)
  const withIdentity = ({ user, session }: EventIdentity): CreateEventRequest => {
    const request: CreateEventRequest = { name }
    if (timestamp !== undefined) request.timestamp = timestamp
    if (user !== undefined) request.user = user
    if (session !== undefined) request.session = session
    if (context !== undefined) request.context = context
    if (Object.keys(properties).length > 0) request.properties = properties
    if (schema && Object.keys(schema.properties).length > 0) request.schema = schema
    return request
  }
  return {
    request: withIdentity(identity),
    fallback: fallback && withIdentity(fallback),
    note: [note, normalized.note].filter(Boolean).join(' ') || undefined
  }
}

/**
 * Sends one event. When FullStory answers that the session named by Session URL is full and a User ID
 * is known, the event is sent once more by User ID, under that body's own Idempotency-Key.
 */
export async function sendEvent(request: RequestClient, apiKey: string, input: EventInput, options?: EventOptions) {
  const { request: json, fallback, note } = eventRequest(input, options)
  const key = messageKey(input.idempotencyKey)
  const send = (body: CreateEventRequest) =>
    callFullStory(request, endpoints.createEvent, { apiKey, ...delivery(endpoints.createEvent, body, key) })
  let response
  try {
    response = await send(json)
  } catch (error) {
    if (!fallback || !hasFullStoryCode(error, SESSION_FULL_CODE)) throw error
    response = await send(fallback)
  }
  return withNote(response, note)
}
